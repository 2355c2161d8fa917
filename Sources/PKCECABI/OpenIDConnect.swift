import CPKCEHeader
import PKCE
import PKCEOIDC
import PKCETransport

// A pkce_id_token handle is an IDTokenClaims.

@_cdecl("pkce_client_set_jwks_uri") @implementation
public func pkce_client_set_jwks_uri(_ client: OpaquePointer?, _ url: UnsafePointer<CChar>?) -> pkce_status {
    modify(client, \.configuration) { c throws(PKCEError) in try c.setJWKSURI(optionalString(url)) }
}

@_cdecl("pkce_client_set_jwks") @implementation
public func pkce_client_set_jwks(_ client: OpaquePointer?, _ json: UnsafePointer<CChar>?, _ jsonLength: Int,
                                 _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self)
        try client.setJWKS(json.map { (json) throws(PKCEError) in try byteBuffer(json, jsonLength) })
    }
}

@_cdecl("pkce_client_set_userinfo_endpoint") @implementation
public func pkce_client_set_userinfo_endpoint(_ client: OpaquePointer?, _ url: UnsafePointer<CChar>?) -> pkce_status {
    modify(client, \.configuration) { c throws(PKCEError) in try c.setUserinfoEndpoint(optionalString(url)) }
}

@_cdecl("pkce_client_set_id_token_algorithms") @implementation
public func pkce_client_set_id_token_algorithms(_ client: OpaquePointer?, _ algorithms: UnsafePointer<CChar>?) -> pkce_status {
    modify(client, \.configuration) { c throws(PKCEError) in
        guard let list = try optionalString(algorithms) else { c.idTokenAlgorithms = nil; return }
        let names = list.split(separator: " ").map(String.init)
        for name in names where SignatureAlgorithm(rawValue: name) == nil {
            throw PKCEError(.invalidArgument, "\(PKCEError.printable(name)) is not an algorithm ID tokens may be verified with")
        }
        guard !names.isEmpty else { throw PKCEError(.invalidArgument, "no algorithm named") }
        c.idTokenAlgorithms = Set(names)
    }
}

@_cdecl("pkce_client_set_clock_skew") @implementation
public func pkce_client_set_clock_skew(_ client: OpaquePointer?, _ seconds: Int) -> pkce_status {
    modify(client, \.configuration) { c throws(PKCEError) in
        guard (0...3600).contains(seconds) else { throw PKCEError(.invalidArgument, "clock skew must be 0..3600 seconds") }
        c.clockSkewSeconds = Int64(seconds)
    }
}

@_cdecl("pkce_client_set_time") @implementation
public func pkce_client_set_time(_ client: OpaquePointer?, _ unixSeconds: Int64) -> pkce_status {
    modify(client, \.configuration) { c throws(PKCEError) in
        guard unixSeconds >= 0 else { throw PKCEError(.invalidArgument, "time must not be negative") }
        c.fixedTime = unixSeconds == 0 ? nil : unixSeconds
    }
}

@_cdecl("pkce_token_id_token_claims") @implementation
public func pkce_token_id_token_claims(_ token: OpaquePointer?) -> OpaquePointer? {
    object(token, TokenResponse.self)?.idTokenClaims.map { OpaquePointer(Unmanaged.passUnretained($0).toOpaque()) }
}

@_cdecl("pkce_id_token_verify") @implementation
public func pkce_id_token_verify(_ client: OpaquePointer?, _ attempt: OpaquePointer?, _ idToken: UnsafePointer<CChar>?,
                                 _ accessToken: UnsafePointer<CChar>?, _ jwks: UnsafePointer<CChar>?, _ jwksLength: Int,
                                 _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                 _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), out = try required(out)
        let keys = try jwks.map { (json) throws(PKCEError) in try JSONWebKeySet(json: byteBuffer(json, jwksLength)) }
        let claims = try client.verifyIDToken(bytes(required(idToken)), attempt: object(attempt, AuthorizationAttempt.self),
                                              accessToken: accessToken.map { (token) throws(PKCEError) in try SecureBytes(bytes(token)) }, keys: keys)
        out.pointee = retained(claims)
    }
}

@_cdecl("pkce_id_token_free") @implementation
public func pkce_id_token_free(_ claims: OpaquePointer?) {
    release(claims, IDTokenClaims.self)
}

@_cdecl("pkce_id_token_subject") @implementation
public func pkce_id_token_subject(_ claims: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(claims, IDTokenClaims.self)?.subject)
}

@_cdecl("pkce_id_token_json") @implementation
public func pkce_id_token_json(_ claims: OpaquePointer?, _ length: UnsafeMutablePointer<Int>?) -> UnsafePointer<CChar>? {
    guard let claims = object(claims, IDTokenClaims.self) else { return nil }
    length?.pointee = claims.json.count
    return borrowed(claims.json)
}

@_cdecl("pkce_id_token_claim_string") @implementation
public func pkce_id_token_claim_string(_ claims: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                       _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let claims = try required(claims, IDTokenClaims.self), out = try required(out)
        guard let value = try claims.string(string(name)) else { throw PKCEError(.notFound) }
        out.pointee = try value.withBytes(handedOut)
    }
}

@_cdecl("pkce_id_token_claim_json") @implementation
public func pkce_id_token_claim_json(_ claims: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                     _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let claims = try required(claims, IDTokenClaims.self), out = try required(out)
        guard let json = claims.jsonText(try string(name)) else { throw PKCEError(.notFound) }
        out.pointee = try handedOut(json)
    }
}

@_cdecl("pkce_client_refresh_subject") @implementation
public func pkce_client_refresh_subject(_ client: OpaquePointer?, _ refreshToken: UnsafePointer<CChar>?,
                                        _ scope: UnsafePointer<CChar>?, _ subject: UnsafePointer<CChar>?,
                                        _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                        _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), out = try required(out)
        let subject = try SecureBytes(bytes(required(subject)))
        guard subject.count > 0 else { throw PKCEError(.invalidArgument, "subject is empty") }
        out.pointee = retained(try client.refresh(refreshToken: bytes(required(refreshToken)), scope: optionalString(scope),
                                                  subject: subject))
    }
}

@_cdecl("pkce_client_userinfo") @implementation
public func pkce_client_userinfo(_ client: OpaquePointer?, _ accessToken: UnsafePointer<CChar>?, _ subject: UnsafePointer<CChar>?,
                                 _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ length: UnsafeMutablePointer<Int>?,
                                 _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), out = try required(out)
        let json = try client.userinfo(accessToken: bytes(required(accessToken)),
                                       subject: subject.map { (subject) throws(PKCEError) in try SecureBytes(bytes(subject)) },
                                       dpop: client.configuration.dpopKey)
        out.pointee = try json.withBytes(handedOut)
        length?.pointee = json.count
    }
}
