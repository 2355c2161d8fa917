import CPKCEHeader
import PKCE
import PKCEListener
import PKCESignIn
import PKCETransport

// The loopback listener, the browser and the one-call sign-in.

@_cdecl("pkce_listener_new") @implementation
public func pkce_listener_new(_ address: UnsafePointer<CChar>?, _ ports: UnsafePointer<UInt16>?, _ portCount: Int,
                              _ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                              _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let out = try required(out)
        var configuration = LoopbackListener.Configuration()
        switch try optionalString(address) {
        case nil, "127.0.0.1": configuration.address = .ipv4
        case "::1", "[::1]": configuration.address = .ipv6
        default: throw PKCEError(.invalidArgument, "the listener address must be 127.0.0.1 or ::1")
        }
        guard portCount >= 0 else { throw PKCEError(.invalidArgument, "port_count is out of range") }  // a huge size_t
        if portCount > 0 { configuration.ports = Array(UnsafeBufferPointer(start: try required(ports), count: portCount)) }
        if let path = try optionalString(path) { configuration.path = path }
        out.pointee = retained(try LoopbackListener(configuration))
    }
}

@_cdecl("pkce_listener_free") @implementation
public func pkce_listener_free(_ listener: OpaquePointer?) {
    release(listener, LoopbackListener.self)
}

@_cdecl("pkce_listener_port") @implementation
public func pkce_listener_port(_ listener: OpaquePointer?) -> UInt16 {
    object(listener, LoopbackListener.self)?.port ?? 0
}

@_cdecl("pkce_listener_redirect_uri") @implementation
public func pkce_listener_redirect_uri(_ listener: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(listener, LoopbackListener.self)?.redirectURIBytes)
}

@_cdecl("pkce_listener_start_url") @implementation
public func pkce_listener_start_url(_ listener: OpaquePointer?, _ authorizationURL: UnsafePointer<CChar>?,
                                    _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let listener = try required(listener, LoopbackListener.self), out = try required(out)
        out.pointee = try SecureBytes(listener.startURL(for: string(authorizationURL))).withBytes(handedOut)
    }
}

@_cdecl("pkce_listener_set_pages") @implementation
public func pkce_listener_set_pages(_ listener: OpaquePointer?, _ success: UnsafePointer<CChar>?,
                                    _ error: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in
        let listener = try required(listener, LoopbackListener.self)
        var pages = listener.pages
        if let success = try optionalString(success) { pages.success = success }
        if let error = try optionalString(error) { pages.error = error }
        listener.pages = pages
    }
}

@_cdecl("pkce_listener_wait") @implementation
public func pkce_listener_wait(_ listener: OpaquePointer?, _ attempt: OpaquePointer?, _ timeoutMilliseconds: Int32,
                               _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let listener = try required(listener, LoopbackListener.self), attempt = try required(attempt, AuthorizationAttempt.self)
        try listener.waitForCallback(attempt, timeoutMilliseconds: Int(timeoutMilliseconds), log: attempt.client.log)
    }
}

@_cdecl("pkce_listener_cancel") @implementation
public func pkce_listener_cancel(_ listener: OpaquePointer?) {
    object(listener, LoopbackListener.self)?.cancel()
}

@_cdecl("pkce_browser_open") @implementation
public func pkce_browser_open(_ url: UnsafePointer<CChar>?, _ browser: pkce_browser, _ program: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in
        _ = try Browser(browser, program).open(string(url))
    }
}

@_cdecl("pkce_attempt_set_redirect_uri") @implementation
public func pkce_attempt_set_redirect_uri(_ attempt: OpaquePointer?, _ redirectURI: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in
        try required(attempt, AuthorizationAttempt.self).setRedirectURI(string(redirectURI))
    }
}

@_cdecl("pkce_client_sign_in") @implementation
public func pkce_client_sign_in(_ client: OpaquePointer?, _ attempt: OpaquePointer?, _ listener: OpaquePointer?,
                                _ browser: pkce_browser, _ program: UnsafePointer<CChar>?, _ timeoutMilliseconds: Int32,
                                _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), out = try required(out)
        guard timeoutMilliseconds >= 0 else { throw PKCEError(.invalidArgument, "timeout_ms is negative") }
        out.pointee = retained(try client.signIn(
            attempt: object(attempt, AuthorizationAttempt.self), listener: object(listener, LoopbackListener.self),
            browser: Browser(browser, program), timeoutMilliseconds: timeoutMilliseconds == 0 ? 300_000 : Int(timeoutMilliseconds)))
    }
}

extension Browser {
    init(_ browser: pkce_browser, _ program: UnsafePointer<CChar>?) throws(PKCEError) {
        switch browser {
        case PKCE_BROWSER_SYSTEM: self = .system
        case PKCE_BROWSER_PROGRAM: self = .program(try string(program))
        case PKCE_BROWSER_PRINT: self = .print
        default: throw PKCEError(.invalidArgument, "unknown pkce_browser value \(browser.rawValue)")
        }
    }
}
