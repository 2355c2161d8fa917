#if canImport(Glibc)
import Glibc
#endif
import PKCE
import PKCEOIDC

/// A client configuration with the built-in HTTPS transport (libcurl, TLS
/// through OpenSSL, verification always on): token exchange, refresh,
/// revocation and discovery.
///
/// Safe to use from many threads at once once configured: each transfer
/// has an easy handle of its own (see `HTTPSTransport`), so a slow server
/// answer holds up no other thread. Change `configuration` or
/// `transportOptions` only while no other thread uses the client.
public final class OAuthClient: @unchecked Sendable {
    // Read by every request and changed only while no other thread uses the
    // client (above): no run-time exclusivity checks on either, for the
    // accesses of this module (other modules' direct reads are checked:
    // docs/architecture.md).
    @exclusivity(unchecked) public var configuration: ClientConfiguration {
        didSet { snapshot = ConfigurationSnapshot(configuration) }
    }
    /// The configuration as attempts share it; replaced whenever it changes.
    @exclusivity(unchecked) package private(set) var snapshot: ConfigurationSnapshot
    private let transport = HTTPSTransport()
    let keys = KeyCache()

    public init(_ configuration: ClientConfiguration) {
        self.configuration = configuration
        snapshot = ConfigurationSnapshot(configuration)
    }

    /// A fresh attempt that shares the client's configuration.
    public func startAttempt() throws(PKCEError) -> AuthorizationAttempt {
        try AuthorizationAttempt(shared: snapshot)
    }

    public var transportOptions: TransportOptions {
        get { transport.options }
        set { transport.options = newValue }
    }

    /// Sends any request built by the library, returning status and body.
    /// A 3xx answer is an error (`.redirect`), never followed.
    /// A request with a DPoP proof is sent again, once, with a new proof
    /// when the server asks for a nonce (`HTTPRequest.handleDPoPAnswer`).
    public func send(_ request: HTTPRequest) throws(PKCEError) -> HTTPResponse {
        var response = try sendOnce(request)
        while try request.handleDPoPAnswer(response) {
            configuration.log?(.info, "DPoP: the server asked for a nonce; sending again with it")
            response = try sendOnce(request)
        }
        return response
    }

    private func sendOnce(_ request: HTTPRequest) throws(PKCEError) -> HTTPResponse {
        guard let log = configuration.log else { return try transport.send(request) }
        log(.info, "request: \(request.logLine)")
        let started = LogClock.now()
        do {
            let response = try transport.send(request)
            log(.info, "answer: HTTP \(response.status), \(response.contentType ?? "no content type"), "
                + "\(response.body.count) bytes in \(LogClock.since(started))")
            return response
        } catch {
            log(.warning, "request failed after \(LogClock.since(started)): \(error)")
            throw error
        }
    }

    /// Exchanges the attempt's authorization code and verifier for tokens.
    /// With an `openid` scope the ID token is required and verified (see
    /// `verifyIDToken`): its claims are then in `idTokenClaims`.
    public func exchange(_ attempt: AuthorizationAttempt) throws(PKCEError) -> TokenResponse {
        try send(tokenRequest: attempt.tokenRequest(), for: attempt)
    }

    /// The refresh_token grant. A new ID token in the answer is verified as
    /// at sign-in, without a nonce (OpenID Connect Core 12.2); when `subject`
    /// is given (the original ID token's `sub`), it must name the same user.
    /// `dpop`, the key the tokens were bound to, signs instead of the
    /// client's own (a token store keeps it with them).
    public func refresh(refreshToken: UnsafeBufferPointer<UInt8>, scope: String? = nil,
                        subject: SecureBytes? = nil, dpop: DPoPKey? = nil) throws(PKCEError) -> TokenResponse {
        let request = try configuration.refreshRequest(refreshToken: refreshToken, scope: scope)
        if let dpop { try request.attachProof(dpop) }
        return try send(tokenRequest: request, for: nil, subject: subject)
    }

    /// Sends a token request the library built, which the caller may have
    /// extended (`addField`, `addHeader`), and checks the answer as
    /// `exchange` does for the attempt whose code it carries, or as `refresh`
    /// does when there is no attempt.
    public func send(tokenRequest request: HTTPRequest, for attempt: AuthorizationAttempt?,
                     subject: SecureBytes? = nil) throws(PKCEError) -> TokenResponse {
        let response = try checkBinding(TokenResponse(send(request)), of: request)
        if let sent = request.refreshToken { response.keepRefreshToken(sent) }
        if let attempt {
            if attempt.isOpenID {
                try verifyIDToken(of: response, expecting: expectations(attempt.client, attempt: attempt, accessToken: response.accessToken))
            }
        } else if configuration.isOpenID && response.idToken != nil {
            var expected = try expectations(configuration, attempt: nil, accessToken: response.accessToken)
            expected.subject = subject
            try verifyIDToken(of: response, expecting: expected)
        }
        return response
    }

    /// Pushes the attempt's authorization request (RFC 9126): its
    /// authorization URL then carries only `client_id` and the `request_uri`
    /// the server gave. `signIn` does this itself when the server requires
    /// it or `prefersPushedAuthorizationRequests` is set.
    public func push(_ attempt: AuthorizationAttempt) throws(PKCEError) {
        try attempt.handlePushedAuthorizationResponse(send(attempt.pushedAuthorizationRequest()))
    }

    /// Revokes a token (RFC 7009). Any 2xx is success; an error body becomes `.oauth`.
    /// `dpop` signs instead of the client's key, as for `refresh`.
    public func revoke(token: UnsafeBufferPointer<UInt8>, hint: String? = nil, dpop: DPoPKey? = nil) throws(PKCEError) {
        let request = try configuration.revocationRequest(token: token, hint: hint)
        if let dpop { try request.attachProof(dpop) }
        try send(revocationRequest: request)
    }

    /// Sends a revocation request the library built, perhaps extended (a
    /// server that wants `Authorization: Bearer <access token>` on it), and
    /// checks the answer as `revoke` does.
    public func send(revocationRequest request: HTTPRequest) throws(PKCEError) {
        try ServerAnswer.checkRevocation(send(request))
    }

    /// Fetches the issuer's metadata (RFC 8414 path first, then OpenID
    /// Connect's) and applies it to `configuration`. With `openid` in the
    /// scope, an RFC 8414 document without `userinfo_endpoint` or `jwks_uri`
    /// is completed from the OpenID document, where some servers publish
    /// them alone (django-oauth-toolkit does).
    public func discover(issuer: String) throws(PKCEError) {
        var lastStatus = 0
        var tried: [String] = []
        let urls = try ClientConfiguration.metadataURLs(issuer: issuer)
        for (index, url) in urls.enumerated() {
            let response = try send(.get(url))
            lastStatus = response.status
            tried.append("\(PKCEError.printable(url, limit: 200)) (HTTP \(response.status))")
            guard response.status == 200 else { continue }
            try response.body.withBytes { json throws(PKCEError) in try configuration.applyMetadata(issuer: issuer, json: json) }
            let openID = configuration
            if index + 1 < urls.count, openID.isOpenID, openID.userinfoEndpoint == nil || openID.jwksURI == nil {
                complete(from: urls[index + 1], issuer: issuer)
            }
            return
        }
        throw PKCEError(.discovery, "no metadata: tried \(tried.joined(separator: ", "))", httpStatus: lastStatus)
    }
}

extension OAuthClient {
    /// A token answer to `request`: with a DPoP proof sent, it keeps the key,
    /// and tokens the server did not bind are reported (`checkBinding`).
    func checkBinding(_ answer: TokenResponse, of request: HTTPRequest) throws(PKCEError) -> TokenResponse {
        if let key = request.dpopKey {
            try answer.checkBinding(to: key, required: configuration.requiresDPoPBoundTokens, log: configuration.log)
        }
        return answer
    }

    /// The OpenID members the first document lacked, from the OpenID
    /// document when it is there and for the same issuer; anything else
    /// leaves the configuration as discovery made it.
    private func complete(from url: String, issuer: String) {
        let log = configuration.log
        do throws(PKCEError) {
            let response = try send(.get(url))
            guard response.status == 200 else {
                log?(.info, "discovery: no OpenID document at \(PKCEError.printable(url, limit: 200)) (HTTP \(response.status))")
                return
            }
            try response.body.withBytes { json throws(PKCEError) in try configuration.completeOpenIDMetadata(issuer: issuer, json: json) }
        } catch {
            log?(.warning, "discovery: the OpenID document was not used: \(error.message)")
        }
    }
}

/// Elapsed times for the debug log.
enum LogClock {
    static func now() -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return time
    }

    /// "12.3 ms".
    static func since(_ start: timespec) -> String {
        let end = now()
        let microseconds = (end.tv_sec - start.tv_sec) * 1_000_000 + (end.tv_nsec - start.tv_nsec) / 1000
        return "\(microseconds / 1000).\(microseconds % 1000 / 100) ms"
    }
}
