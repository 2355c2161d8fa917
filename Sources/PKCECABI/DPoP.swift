import CPKCEHeader
import PKCE
import PKCETokens
import PKCETransport

// A pkce_dpop_key handle is a DPoPKey, reference-counted: clients, tokens
// and stores that use it hold their own references.

extension DPoPAlgorithm {
    /// The C enumeration's value; nil for PKCE_DPOP_AUTO.
    init?(_ alg: pkce_dpop_alg) throws(PKCEError) {
        switch alg {
        case PKCE_DPOP_AUTO: return nil
        case PKCE_DPOP_ES256: self = .es256
        case PKCE_DPOP_EDDSA: self = .edDSA
        case PKCE_DPOP_RS256: self = .rs256
        default: throw PKCEError(.invalidArgument, "unknown DPoP algorithm \(alg.rawValue)")
        }
    }

    var cValue: pkce_dpop_alg {
        switch self {
        case .es256: PKCE_DPOP_ES256
        case .edDSA: PKCE_DPOP_EDDSA
        case .rs256: PKCE_DPOP_RS256
        }
    }
}

@_cdecl("pkce_dpop_key_new") @implementation
public func pkce_dpop_key_new(_ alg: pkce_dpop_alg, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let out = try required(out)
        out.pointee = retained(try DPoPKey(algorithm: DPoPAlgorithm(alg) ?? .es256))
    }
}

@_cdecl("pkce_dpop_key_from_pem") @implementation
public func pkce_dpop_key_from_pem(_ pem: UnsafePointer<CChar>?, _ length: Int,
                                   _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let out = try required(out)
        out.pointee = retained(try DPoPKey(pem: byteBuffer(required(pem), length)))
    }
}

@_cdecl("pkce_dpop_key_free") @implementation
public func pkce_dpop_key_free(_ key: OpaquePointer?) {
    release(key, DPoPKey.self)
}

@_cdecl("pkce_dpop_key_alg") @implementation
public func pkce_dpop_key_alg(_ key: OpaquePointer?) -> pkce_dpop_alg {
    object(key, DPoPKey.self)?.algorithm.cValue ?? PKCE_DPOP_AUTO
}

@_cdecl("pkce_dpop_key_jwk") @implementation
public func pkce_dpop_key_jwk(_ key: OpaquePointer?) -> UnsafePointer<CChar>? {
    object(key, DPoPKey.self)?.publicJWKBytes.cString
}

@_cdecl("pkce_dpop_key_thumbprint") @implementation
public func pkce_dpop_key_thumbprint(_ key: OpaquePointer?) -> UnsafePointer<CChar>? {
    object(key, DPoPKey.self)?.thumbprintBytes.cString
}

@_cdecl("pkce_dpop_key_pem") @implementation
public func pkce_dpop_key_pem(_ key: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let key = try required(key, DPoPKey.self), out = try required(out)
        out.pointee = try key.pem().withBytes(handedOut)
    }
}

@_cdecl("pkce_dpop_key_nonce") @implementation
public func pkce_dpop_key_nonce(_ key: OpaquePointer?, _ url: UnsafePointer<CChar>?,
                                _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let key = try required(key, DPoPKey.self), out = try required(out)
        guard let nonce = key.nonces.nonce(for: try string(url)) else { throw PKCEError(.notFound) }
        out.pointee = try SecureBytes(nonce).withBytes(handedOut)
    }
}

@_cdecl("pkce_dpop_key_set_nonce") @implementation
public func pkce_dpop_key_set_nonce(_ key: OpaquePointer?, _ url: UnsafePointer<CChar>?, _ nonce: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in
        let key = try required(key, DPoPKey.self)
        try key.nonces.set(string(nonce), for: string(url))
    }
}

@_cdecl("pkce_dpop_proof") @implementation
public func pkce_dpop_proof(_ key: OpaquePointer?, _ method: UnsafePointer<CChar>?, _ url: UnsafePointer<CChar>?,
                            _ accessToken: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let key = try required(key, DPoPKey.self), out = try required(out)
        let url = try string(url)
        let proof = try key.proofBytes(method: string(method), url: url, nonce: key.nonces.nonce(for: url),
                                       accessToken: accessToken.map { (token) throws(PKCEError) in try utf8(token) })
        out.pointee = try proof.withBytes(handedOut)
    }
}

/// Hands out the two header values, both or neither.
private func handOut(_ headers: (authorization: SecureBytes, proof: SecureBytes),
                     _ authorization: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
                     _ proof: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) throws(PKCEError) {
    let first = try headers.authorization.withBytes(handedOut)
    do { proof.pointee = try headers.proof.withBytes(handedOut) } catch {
        releaseHandedOut(first)
        throw error
    }
    authorization.pointee = first
}

@_cdecl("pkce_dpop_headers") @implementation
public func pkce_dpop_headers(_ key: OpaquePointer?, _ accessToken: UnsafePointer<CChar>?, _ method: UnsafePointer<CChar>?,
                              _ url: UnsafePointer<CChar>?, _ nonce: UnsafePointer<CChar>?,
                              _ authorization: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                              _ proof: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let key = try required(key, DPoPKey.self), authorization = try required(authorization), proof = try required(proof)
        try handOut(key.headers(method: string(method), url: string(url), accessToken: utf8(accessToken), nonce: optionalString(nonce)),
                    authorization, proof)
    }
}

@_cdecl("pkce_client_enable_dpop") @implementation
public func pkce_client_enable_dpop(_ client: OpaquePointer?, _ alg: pkce_dpop_alg) -> pkce_status {
    configure(client) { c throws(PKCEError) in try c.useDPoP(algorithm: DPoPAlgorithm(alg)) }
}

@_cdecl("pkce_client_set_dpop_key") @implementation
public func pkce_client_set_dpop_key(_ client: OpaquePointer?, _ key: OpaquePointer?) -> pkce_status {
    configure(client) { c throws(PKCEError) in c.useDPoP(object(key, DPoPKey.self)) }
}

@_cdecl("pkce_client_dpop_key") @implementation
public func pkce_client_dpop_key(_ client: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), out = try required(out)
        guard let key = client.configuration.dpopKey else { throw PKCEError(.notFound, "the client does not use DPoP") }
        out.pointee = retained(key)
    }
}

@_cdecl("pkce_client_set_dpop_flags") @implementation
public func pkce_client_set_dpop_flags(_ client: OpaquePointer?, _ flags: UInt32) -> pkce_status {
    configure(client) { c throws(PKCEError) in
        let known = UInt32(PKCE_DPOP_REQUIRE_BOUND | PKCE_DPOP_SEND_JKT)
        guard flags & ~known == 0 else { throw PKCEError(.invalidArgument, "unknown DPoP flags") }
        c.requiresDPoPBoundTokens = flags & UInt32(PKCE_DPOP_REQUIRE_BOUND) != 0
        c.sendsDPoPThumbprint = flags & UInt32(PKCE_DPOP_SEND_JKT) != 0
    }
}

@_cdecl("pkce_token_is_dpop_bound") @implementation
public func pkce_token_is_dpop_bound(_ token: OpaquePointer?) -> Int32 {
    object(token, TokenResponse.self)?.isDPoPBound == true ? 1 : 0
}

@_cdecl("pkce_token_dpop_key") @implementation
public func pkce_token_dpop_key(_ token: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let token = try required(token, TokenResponse.self), out = try required(out)
        guard let key = token.dpopKey else { throw PKCEError(.notFound, "the token was got without DPoP") }
        out.pointee = retained(key)
    }
}

@_cdecl("pkce_http_request_dpop_answer") @implementation
public func pkce_http_request_dpop_answer(_ request: OpaquePointer?, _ httpStatus: Int32, _ body: UnsafePointer<CChar>?,
                                          _ bodyLength: Int, _ dpopNonce: UnsafePointer<CChar>?,
                                          _ wwwAuthenticate: UnsafePointer<CChar>?, _ sendAgain: UnsafeMutablePointer<Int32>?,
                                          _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let request = try required(request, HTTPRequest.self), sendAgain = try required(sendAgain)
        let bytes = try body.map { (body) throws(PKCEError) in try byteBuffer(body, bodyLength) }
        guard bytes != nil || bodyLength == 0 else { throw PKCEError(.invalidArgument, "a body length without a body") }
        try ServerAnswer.checkEnvelope(httpStatus: Int(httpStatus), size: bodyLength)
        let response = HTTPResponse(status: Int(httpStatus), body: try SecureBytes(bytes ?? UnsafeBufferPointer(start: nil, count: 0)),
                                    wwwAuthenticate: try optionalString(wwwAuthenticate).map { [$0] } ?? [],
                                    dpopNonce: try optionalString(dpopNonce))
        let again = try request.handleDPoPAnswer(response)
        sendAgain.pointee = again ? 1 : 0
    }
}

@_cdecl("pkce_token_source_dpop_headers") @implementation
public func pkce_token_source_dpop_headers(_ source: OpaquePointer?, _ method: UnsafePointer<CChar>?, _ url: UnsafePointer<CChar>?,
                                           _ nonce: UnsafePointer<CChar>?,
                                           _ authorization: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                           _ proof: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                           _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let source = try required(source, TokenSource.self), authorization = try required(authorization), proof = try required(proof)
        try handOut(source.dpopHeaders(method: string(method), url: string(url), nonce: optionalString(nonce)), authorization, proof)
    }
}
