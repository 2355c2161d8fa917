/// DPoP on the requests the library builds (RFC 9449 5, 7, 8): the proof,
/// and the one retry with the nonce a server asks for, in the same place for
/// the built-in transport and for a caller's own HTTP stack.
extension HTTPRequest {
    /// Signs the request with `key`: a `DPoP` header with a proof for its
    /// method and URL, the nonce the key knows for its server, and `ath` for
    /// `accessToken` when the request presents one.
    package func attachProof(_ key: DPoPKey, accessToken: SecureBytes? = nil) throws(PKCEError) {
        dpopKey = key
        dpopAccessToken = accessToken
        try signProof()
    }

    private func signProof() throws(PKCEError) {
        guard let key = dpopKey else { return }
        try setProofHeader(key.proofBytes(method: method, url: url, nonce: key.nonces.nonce(for: url),
                                          accessToken: dpopAccessToken?.buffer))
    }

    /// What to do after `response`, the answer to this request: a
    /// `DPoP-Nonce` in it, success or failure, becomes the nonce for its
    /// server. When the server asked for a nonce (`use_dpop_nonce`: a 400
    /// from an authorization server, a 401 DPoP challenge from a resource),
    /// the request gets a new proof with it and this returns true: send it
    /// again, once. A second such answer in a row is `.dpopNonce`, never a
    /// third try (a server that always wants a new nonce would otherwise
    /// keep the client sending). False for every other answer, and for a
    /// request without DPoP.
    public func handleDPoPAnswer(_ response: HTTPResponse) throws(PKCEError) -> Bool {
        guard let key = dpopKey else { return false }
        let remembered = response.dpopNonce.map { key.nonces.remember($0, for: url) } ?? false
        guard Self.asksForNonce(response) else { return false }
        guard remembered else {
            throw PKCEError(.dpopNonce, "the server asked for a DPoP nonce (use_dpop_nonce) without a usable DPoP-Nonce header",
                            httpStatus: response.status)
        }
        guard !resentWithNonce else {
            throw PKCEError(.dpopNonce, "the server asked for a new DPoP nonce again after the request carried the one it gave; "
                            + "not sent a third time", httpStatus: response.status)
        }
        resentWithNonce = true
        try signProof()
        return true
    }

    /// Whether `response` is RFC 9449's request for a nonce.
    package static func asksForNonce(_ response: HTTPResponse) -> Bool {
        switch response.status {
        case 400:
            do { _ = try ServerAnswer.successfulDocument(response) } catch { return error.oauth?.error == "use_dpop_nonce" }
            return false
        case 401:
            let challenges = (try? AuthenticationChallenge.parse(response.wwwAuthenticate)) ?? []
            return challenges.contains { $0.isScheme("DPoP") && $0["error"] == "use_dpop_nonce" }
        default:
            return false
        }
    }
}

extension TokenResponse {
    /// Whether the server bound the tokens to the DPoP key (RFC 9449 5:
    /// `token_type` DPoP, in any case).
    public var isDPoPBound: Bool { DPoPKey.isBound(tokenType: tokenType?.string) }

    /// After a token request with a DPoP proof: tokens the server did not
    /// bind (a downgrade to Bearer) are `.dpopNotBound` when `required`, else
    /// reported to `log`. Keeps the key with the answer either way (a public
    /// client's refresh token is bound to it whatever the access token is).
    package func checkBinding(to key: DPoPKey, required: Bool, log: Log?) throws(PKCEError) {
        dpopKey = key
        guard !isDPoPBound else { return }
        let type = tokenType.map { PKCEError.printable($0.string) } ?? "none"
        if required {
            throw PKCEError(.dpopNotBound, "the server answered a DPoP request with token_type \(type): the tokens are not bound to the key")
        }
        log?(.warning, "DPoP: the server answered with token_type \(type), not DPoP: the access token is not bound to the key")
    }
}
