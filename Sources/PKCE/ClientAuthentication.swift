import COpenSSL

/// How a confidential client proves itself at the token, revocation and
/// device endpoints (RFC 6749 2.3.1). OAuth 2.1 asks PKCE of every client,
/// so a client with a secret still sends the verifier. Numbers match
/// `pkce_client_auth` in pkce.h.
public enum ClientAuthMethod: Int32, Sendable, CaseIterable {
    /// `client_secret_basic` unless the server's metadata lists only
    /// `client_secret_post` (RFC 8414 2: basic is the default).
    case automatic = 0
    /// `Authorization: Basic` with the form-encoded id and secret.
    case basic = 1
    /// `client_secret` in the body.
    case post = 2
}

/// A client secret and how it is sent; the secret stays in wiped memory.
public struct ClientSecret: Sendable {
    let secret: SecureBytes
    public var method: ClientAuthMethod
}

extension ClientConfiguration {
    /// A confidential client: `secret` goes with every request to the token,
    /// revocation and device endpoints, never into a URL or a log line. nil
    /// makes the client public again. WorkOS's JSON API always takes it in
    /// the body (as `client_secret`, the API key), whatever `method` says.
    public mutating func setClientSecret(_ secret: UnsafeBufferPointer<UInt8>?, method: ClientAuthMethod) throws(PKCEError) {
        guard let secret else {
            clientSecret = nil
            return
        }
        guard !secret.isEmpty, secret.count <= 4096 else { throw PKCEError(.invalidArgument, "the client secret is empty or over 4096 bytes") }
        guard secret.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 >= 0x80 }), UTF8Validation.isValid(secret) else {
            throw PKCEError(.invalidArgument, "the client secret is not UTF-8 text without control characters")
        }
        clientSecret = ClientSecret(secret: try SecureBytes(secret), method: method)
    }

    /// The method the next request uses; nil for a public client.
    public var effectiveClientAuthMethod: ClientAuthMethod? {
        guard let clientSecret else { return nil }
        if requestBodyFormat == .json { return .post }
        switch clientSecret.method {
        case .automatic:
            let offered = tokenEndpointAuthMethods ?? []
            return !offered.contains("client_secret_basic") && offered.contains("client_secret_post") ? .post : .basic
        case let chosen: return chosen
        }
    }

    /// `client_id`, and `client_secret` when it goes in the body: every
    /// request to the server's endpoints names the client this way.
    func addClient(to body: inout RequestBodyBuilder) {
        body.add("client_id", clientID)
        addClientSecret(to: &body)
    }

    /// The secret, when it goes in the body (a body that names the client already).
    func addClientSecret(to body: inout RequestBodyBuilder) {
        if effectiveClientAuthMethod == .post, let clientSecret { body.add("client_secret", clientSecret.secret) }
    }

    /// A POST of `body`, with `Authorization: Basic` when the secret goes
    /// there, and a DPoP proof when the client has a key and `proof` is true.
    func post(to endpoint: Endpoint, body: consuming RequestBodyBuilder, proof: Bool = true) throws(PKCEError) -> HTTPRequest {
        let request = try HTTPRequest.post(to: endpoint, body: body)
        if proof, let dpopKey { try request.attachProof(dpopKey) }
        if effectiveClientAuthMethod == .basic, let clientSecret {
            try basicCredentials(clientSecret.secret).withBytes { (value) throws(PKCEError) in
                try request.addHeader("Authorization", value)
            }
        }
        return request
    }

    /// "Basic " + base64(encoded(client_id) ":" encoded(secret)) (RFC 6749
    /// 2.3.1, RFC 7617), in wiped memory. Encoded as %XX for all but RFC 3986's
    /// unreserved characters: valid form encoding, and what servers that
    /// merely percent-decode (a space as %20, never '+') read right too. The
    /// standard base64 alphabet with padding, as Basic requires; PKCE values
    /// never go through it.
    private func basicCredentials(_ secret: SecureBytes) throws(PKCEError) -> SecureBytes {
        var pair = try ByteWriter(capacity: (clientID.utf8.count + secret.count) * 3 + 1)
        pair.appendEncoded(clientID, .query)
        pair.append(UInt8(ascii: ":"))
        pair.appendEncoded(secret.buffer, .query)
        let plain = try pair.finish()
        let encodedCount = (plain.count + 2) / 3 * 4
        let out = try secureAllocate(6 + encodedCount + 1)
        "Basic ".utf8.enumerated().forEach { out[$0.offset] = $0.element }
        _ = EVP_EncodeBlock(out + 6, plain.base, Int32(plain.count))
        return SecureBytes(adopting: out, count: 6 + encodedCount)
    }
}
