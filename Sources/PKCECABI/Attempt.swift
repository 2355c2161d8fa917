import CPKCEHeader
import PKCE
import PKCETransport

@_cdecl("pkce_attempt_new") @implementation
public func pkce_attempt_new(_ client: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), out = try required(out)
        out.pointee = retained(try client.startAttempt())
    }
}

@_cdecl("pkce_attempt_restore") @implementation
public func pkce_attempt_restore(_ client: OpaquePointer?, _ verifier: UnsafePointer<CChar>?,
                                 _ state: UnsafePointer<CChar>?, _ nonce: UnsafePointer<CChar>?,
                                 _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), out = try required(out)
        let attempt = try AuthorizationAttempt(
            client: client.configuration,
            verifier: bytes(required(verifier), maxLength: PKCE.verifierLengths.upperBound + 1),
            state: utf8(state), nonce: nonce.map { (nonce) throws(PKCEError) in try utf8(nonce) })
        out.pointee = retained(attempt)
    }
}

@_cdecl("pkce_attempt_free") @implementation
public func pkce_attempt_free(_ attempt: OpaquePointer?) {
    release(attempt, AuthorizationAttempt.self)
}

@_cdecl("pkce_attempt_state") @implementation
public func pkce_attempt_state(_ attempt: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(attempt, AuthorizationAttempt.self)?.state)
}

@_cdecl("pkce_attempt_nonce") @implementation
public func pkce_attempt_nonce(_ attempt: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(attempt, AuthorizationAttempt.self)?.nonce)
}

@_cdecl("pkce_attempt_verifier") @implementation
public func pkce_attempt_verifier(_ attempt: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(attempt, AuthorizationAttempt.self)?.verifier)
}

@_cdecl("pkce_attempt_challenge") @implementation
public func pkce_attempt_challenge(_ attempt: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(attempt, AuthorizationAttempt.self)?.challenge)
}

@_cdecl("pkce_attempt_add_parameter") @implementation
public func pkce_attempt_add_parameter(_ attempt: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                       _ value: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in
        try required(attempt, AuthorizationAttempt.self).addParameter(string(name), string(value))
    }
}

@_cdecl("pkce_attempt_authorization_url") @implementation
public func pkce_attempt_authorization_url(_ attempt: OpaquePointer?,
                                           _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let attempt = try required(attempt, AuthorizationAttempt.self), out = try required(out)
        out.pointee = try attempt.authorizationURLBytes().withBytes(handedOut)
    }
}

@_cdecl("pkce_attempt_handle_callback") @implementation
public func pkce_attempt_handle_callback(_ attempt: OpaquePointer?, _ redirectURL: UnsafePointer<CChar>?,
                                         _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        try required(attempt, AuthorizationAttempt.self).handleCallback(utf8(redirectURL))
    }
}

@_cdecl("pkce_attempt_request_uri") @implementation
public func pkce_attempt_request_uri(_ attempt: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(attempt, AuthorizationAttempt.self)?.requestURIBytes)
}

@_cdecl("pkce_attempt_par_expired") @implementation
public func pkce_attempt_par_expired(_ attempt: OpaquePointer?) -> Int32 {
    object(attempt, AuthorizationAttempt.self)?.pushedRequestExpired == true ? 1 : 0
}

@_cdecl("pkce_attempt_par_request") @implementation
public func pkce_attempt_par_request(_ attempt: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let attempt = try required(attempt, AuthorizationAttempt.self), out = try required(out)
        out.pointee = retained(try attempt.pushedAuthorizationRequest())
    }
}

@_cdecl("pkce_attempt_handle_par_response") @implementation
public func pkce_attempt_handle_par_response(_ attempt: OpaquePointer?, _ httpStatus: Int32, _ body: UnsafePointer<CChar>?,
                                             _ bodyLength: Int, _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let attempt = try required(attempt, AuthorizationAttempt.self), body = try required(body)
        try attempt.handlePushedAuthorizationResponse(httpStatus: Int(httpStatus), body: byteBuffer(body, bodyLength))
    }
}

@_cdecl("pkce_attempt_token_request") @implementation
public func pkce_attempt_token_request(_ attempt: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let attempt = try required(attempt, AuthorizationAttempt.self), out = try required(out)
        out.pointee = retained(try attempt.tokenRequest())
    }
}
