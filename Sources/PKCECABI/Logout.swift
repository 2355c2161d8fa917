import CPKCEHeader
import PKCE
import PKCEListener
import PKCESignIn
import PKCETransport

// A pkce_logout handle is a LogoutAttempt: one sign-out.

@_cdecl("pkce_logout_new") @implementation
public func pkce_logout_new(_ client: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), out = try required(out)
        out.pointee = retained(try client.startLogout())
    }
}

@_cdecl("pkce_logout_free") @implementation
public func pkce_logout_free(_ logout: OpaquePointer?) {
    release(logout, LogoutAttempt.self)
}

@_cdecl("pkce_logout_state") @implementation
public func pkce_logout_state(_ logout: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(logout, LogoutAttempt.self)?.state)
}

@_cdecl("pkce_logout_set_id_token_hint") @implementation
public func pkce_logout_set_id_token_hint(_ logout: OpaquePointer?, _ idToken: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in
        let logout = try required(logout, LogoutAttempt.self)
        logout.idTokenHint = try idToken.map { (token) throws(PKCEError) in try SecureBytes(utf8(token)) }
    }
}

@_cdecl("pkce_logout_set_hints") @implementation
public func pkce_logout_set_hints(_ logout: OpaquePointer?, _ logoutHint: UnsafePointer<CChar>?,
                                  _ uiLocales: UnsafePointer<CChar>?, _ sessionID: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in
        let logout = try required(logout, LogoutAttempt.self)
        let (hint, locales, session) = (try optionalString(logoutHint), try optionalString(uiLocales), try optionalString(sessionID))
        logout.logoutHint = hint
        logout.uiLocales = locales
        logout.sessionID = session
    }
}

@_cdecl("pkce_logout_set_post_logout_redirect_uri") @implementation
public func pkce_logout_set_post_logout_redirect_uri(_ logout: OpaquePointer?, _ uri: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in try required(logout, LogoutAttempt.self).setPostLogoutRedirectURI(optionalString(uri)) }
}

@_cdecl("pkce_logout_url") @implementation
public func pkce_logout_url(_ logout: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let logout = try required(logout, LogoutAttempt.self), out = try required(out)
        out.pointee = try SecureBytes(logout.logoutURL()).withBytes(handedOut)
    }
}

@_cdecl("pkce_logout_handle_redirect") @implementation
public func pkce_logout_handle_redirect(_ logout: OpaquePointer?, _ redirect: UnsafePointer<CChar>?,
                                        _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        try required(logout, LogoutAttempt.self).handleCallback(utf8(redirect))
    }
}

@_cdecl("pkce_client_sign_out") @implementation
public func pkce_client_sign_out(_ client: OpaquePointer?, _ logout: OpaquePointer?, _ listener: OpaquePointer?,
                                 _ waitForRedirect: Int32, _ browser: pkce_browser, _ program: UnsafePointer<CChar>?,
                                 _ timeoutMilliseconds: Int32, _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), logout = try required(logout, LogoutAttempt.self)
        guard timeoutMilliseconds >= 0 else { throw PKCEError(.invalidArgument, "timeout_ms is negative") }
        try client.signOut(logout, listener: object(listener, LoopbackListener.self), waitForRedirect: waitForRedirect != 0,
                           browser: Browser(browser, program),
                           timeoutMilliseconds: timeoutMilliseconds == 0 ? 300_000 : Int(timeoutMilliseconds))
    }
}
