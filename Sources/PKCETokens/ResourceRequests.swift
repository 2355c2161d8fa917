import PKCE
import PKCETransport

extension TokenSource {
    /// Step-ups one request may lead to before `send` gives up: a resource
    /// that keeps asking for more is not followed into a loop of sign-ins.
    public static let maxStepUps = 2

    /// Sends a request to the resource the tokens are for, with the access
    /// token (RFC 6750 2.1), refreshed first when due. A 401 whose challenge
    /// says `invalid_token` (or names no error) is answered once with a
    /// refresh and the same request again. A 403 `insufficient_scope` goes to
    /// `stepUp` when there is one (a new sign-in for the challenged scopes
    /// and those granted), then the request again; `.insufficientScope` when
    /// the token already has the scopes asked for, or after `maxStepUps`.
    /// Any other answer is returned as it came. A URL outside the tokens'
    /// resource (RFC 8707) is `.resourceMismatch`: the token is never shown
    /// to another server.
    /// A DPoP-bound token goes as `Authorization: DPoP` with a proof (RFC
    /// 9449 7), sent again once when the resource asks for a nonce.
    public func send(method: String, url: String, headers: [(name: String, value: String)] = [],
                     body: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: nil, count: 0)) throws(PKCEError) -> HTTPResponse {
        try checkCovers(url)
        var token = try self.token()
        var refreshed = false
        var stepUps = 0
        while true {
            let response = try client.send(resourceRequest(method: method, url: url, headers: headers, body: body, token: token))
            guard response.status == 401 || response.status == 403 else { return response }
            let challenge = (try? ResourceChallenge(headers: response.wwwAuthenticate)) ?? nil
            if response.status == 401, !refreshed, challenge?.error ?? "invalid_token" == "invalid_token", token.refreshToken != nil {
                client.configuration.log?(.info, "resource: the token was refused (HTTP 401); refreshing and trying once more")
                token = try self.token(replacing: token.accessToken)
                refreshed = true
                continue
            }
            guard response.status == 403, let challenge, challenge.isInsufficientScope, let stepUp else { return response }
            let wanted = PKCEError.printable(challenge.scope ?? "")
            if ScopeList.contains(token.scope, challenge.scope) {
                throw PKCEError(.insufficientScope, "the resource asks for scope '\(wanted)', which the token already has",
                                httpStatus: 403)
            }
            guard stepUps < Self.maxStepUps else {
                throw PKCEError(.insufficientScope, "the resource still asks for scope '\(wanted)' after \(stepUps) step-ups",
                                httpStatus: 403)
            }
            client.configuration.log?(.info, "resource: HTTP 403 insufficient_scope; signing in again for '\(wanted)'")
            try replace(with: stepUp(challenge, token.scope))
            token = try self.token()
            stepUps += 1
        }
    }

    private func resourceRequest(method: String, url: String, headers: [(name: String, value: String)],
                                 body: UnsafeBufferPointer<UInt8>, token: StoredToken) throws(PKCEError) -> HTTPRequest {
        let request = try HTTPRequest.resource(method: method, url: url, body: body)
        for (name, value) in headers {
            try SecureBytes(value).withBytes { (bytes) throws(PKCEError) in try request.addHeader(name, bytes) }
        }
        try token.accessToken.withBytes { (bytes) throws(PKCEError) in try request.present(bytes, dpop: token.boundKey) }
        return request
    }

    /// A URL outside the tokens' resource (RFC 8707) is `.resourceMismatch`.
    private func checkCovers(_ url: String) throws(PKCEError) {
        let resource = key.resource
        if !resource.isEmpty, !ProtectedResource.covers(resource, url) {
            throw PKCEError(.resourceMismatch, "the tokens are for \(PKCEError.printable(resource, limit: 200)), "
                            + "not \(PKCEError.printable(url, limit: 200))")
        }
    }

    /// The two header values for a request with the access token to the
    /// application's own API, sent with its own HTTP stack:
    /// `Authorization: DPoP <token>` and a fresh proof for `method` and `url`
    /// with the token's hash (RFC 9449 7.1), refreshed first when due.
    /// `nonce` is one the resource asked for (a 401 with `use_dpop_nonce`
    /// and a `DPoP-Nonce` header); else the last it gave, if any.
    /// `.dpopNotBound` for a token that is not DPoP-bound.
    public func dpopHeaders(method: String, url: String, nonce: String? = nil) throws(PKCEError) -> (authorization: SecureBytes, proof: SecureBytes) {
        try checkCovers(url)
        let token = try self.token()
        guard let key = token.boundKey else {
            throw PKCEError(.dpopNotBound, "the access token is not DPoP-bound (token_type \(PKCEError.printable(token.tokenType ?? "none"))): "
                            + "send it as Authorization: Bearer")
        }
        return try token.accessToken.withBytes { (bytes) throws(PKCEError) in
            try key.headers(method: method, url: url, accessToken: bytes, nonce: nonce)
        }
    }
}
