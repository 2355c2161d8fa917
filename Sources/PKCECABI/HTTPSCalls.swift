import CPKCEHeader
import PKCE
import PKCETransport

// The calls that talk to the server over the built-in HTTPS transport.

@_cdecl("pkce_client_send") @implementation
public func pkce_client_send(_ client: OpaquePointer?, _ request: OpaquePointer?, _ httpStatus: UnsafeMutablePointer<Int32>?,
                             _ body: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                             _ bodyLength: UnsafeMutablePointer<Int>?,
                             _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), request = try required(request, HTTPRequest.self)
        let httpStatus = try required(httpStatus), body = try required(body)
        let response = try client.send(request)
        let copy = try response.body.withBytes(handedOut)
        httpStatus.pointee = Int32(clamping: response.status)
        body.pointee = copy
        bodyLength?.pointee = response.body.count
    }
}

@_cdecl("pkce_client_exchange") @implementation
public func pkce_client_exchange(_ client: OpaquePointer?, _ attempt: OpaquePointer?,
                                 _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                 _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), attempt = try required(attempt, AuthorizationAttempt.self)
        let out = try required(out)
        out.pointee = retained(try client.exchange(attempt))
    }
}

@_cdecl("pkce_client_refresh") @implementation
public func pkce_client_refresh(_ client: OpaquePointer?, _ refreshToken: UnsafePointer<CChar>?, _ scope: UnsafePointer<CChar>?,
                                _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), out = try required(out)
        out.pointee = retained(try client.refresh(refreshToken: bytes(required(refreshToken)), scope: optionalString(scope)))
    }
}

@_cdecl("pkce_client_revoke") @implementation
public func pkce_client_revoke(_ client: OpaquePointer?, _ token: UnsafePointer<CChar>?, _ hint: UnsafePointer<CChar>?,
                               _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        try required(client, OAuthClient.self).revoke(token: bytes(required(token)), hint: optionalString(hint))
    }
}

@_cdecl("pkce_client_send_token") @implementation
public func pkce_client_send_token(_ client: OpaquePointer?, _ request: OpaquePointer?, _ attempt: OpaquePointer?,
                                   _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                   _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), request = try required(request, HTTPRequest.self)
        let out = try required(out)
        out.pointee = retained(try client.send(tokenRequest: request, for: object(attempt, AuthorizationAttempt.self)))
    }
}

@_cdecl("pkce_client_send_revocation") @implementation
public func pkce_client_send_revocation(_ client: OpaquePointer?, _ request: OpaquePointer?,
                                        _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        try required(client, OAuthClient.self).send(revocationRequest: required(request, HTTPRequest.self))
    }
}

@_cdecl("pkce_client_discover") @implementation
public func pkce_client_discover(_ client: OpaquePointer?, _ issuer: UnsafePointer<CChar>?,
                                 _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        try required(client, OAuthClient.self).discover(issuer: string(issuer))
    }
}
