#if canImport(Glibc)
import Glibc
#endif
import PKCE
import PKCEOIDC

/// The keys ID tokens are verified with: the caller's JWKS, or the server's,
/// fetched from `jwks_uri` on first use, kept, and fetched again when a
/// token names a key it does not hold (key rotation), at most once a
/// `refetchInterval` so that hostile tokens cannot make the client hammer the server.
final class KeyCache: @unchecked Sendable {
    static let refetchInterval: Int64 = 60

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var given: JSONWebKeySet?
    private var fetched: JSONWebKeySet?
    private var lastRefetch: Int64?

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    private func locked<R>(_ body: () -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// The caller's keys, which replace fetching; nil fetches from `jwks_uri` again.
    func give(_ keys: JSONWebKeySet?) { locked { given = keys; fetched = nil; lastRefetch = nil } }

    var givenKeys: JSONWebKeySet? { locked { given } }
    var fetchedKeys: JSONWebKeySet? { locked { fetched } }

    func store(_ keys: JSONWebKeySet) { locked { fetched = keys } }

    /// Whether an unknown kid may refetch now; if so, the refetch is counted.
    func mayRefetch(now: Int64) -> Bool {
        locked {
            if let lastRefetch, now - lastRefetch < Self.refetchInterval { return false }
            lastRefetch = now
            return true
        }
    }
}

extension OAuthClient {
    /// Keys for ID tokens from now on: a JWKS document the caller fetched or
    /// holds (sans-I/O); nil returns to fetching `jwks_uri`.
    public func setJWKS(_ json: UnsafeBufferPointer<UInt8>?) throws(PKCEError) {
        keys.give(try json.map { (json) throws(PKCEError) in try JSONWebKeySet(json: json) })
    }

    /// What an ID token must match, from the configuration an attempt (or the
    /// client) was made with; nonce and max_age come from the attempt, if any.
    func expectations(_ c: ClientConfiguration, attempt: AuthorizationAttempt?,
                      accessToken: SecureBytes?) throws(PKCEError) -> IDToken.Expectations {
        guard let issuer = c.issuer else {
            throw PKCEError(.notConfigured, "verifying ID tokens needs the issuer (pkce_client_set_issuer or discovery)")
        }
        var e = IDToken.Expectations(issuer: issuer, clientID: c.clientID, now: c.now, clockSkew: c.clockSkewSeconds)
        e.nonce = attempt?.nonce
        e.maxAge = attempt?.maxAge
        e.accessToken = accessToken
        e.algorithms = c.idTokenAlgorithms
        return e
    }

    /// Verifies the ID token of `response` and stores its claims there.
    func verifyIDToken(of response: TokenResponse, expecting e: IDToken.Expectations) throws(PKCEError) {
        guard let text = response.idToken else { throw PKCEError(.idTokenMissing, httpStatus: response.httpStatus) }
        let token = try IDToken(text.buffer)
        response.idTokenClaims = try verify(token, expecting: e)
    }

    /// Verifies `token` with the caller's keys, or the server's; one refetch
    /// when the server's keys hold none that fits (rotation), if allowed now.
    func verify(_ token: IDToken, expecting e: IDToken.Expectations) throws(PKCEError) -> IDTokenClaims {
        if let given = keys.givenKeys { return try token.verified(with: given, expecting: e) }
        let current: JSONWebKeySet
        if let cached = keys.fetchedKeys { current = cached } else { current = try fetchKeys() }
        do {
            return try token.verified(with: current, expecting: e)
        } catch where error.code == .idTokenKeyNotFound {
            guard keys.mayRefetch(now: configuration.now) else { throw error }
            return try token.verified(with: fetchKeys(), expecting: e)
        }
    }

    private func fetchKeys() throws(PKCEError) -> JSONWebKeySet {
        guard let uri = configuration.jwksURI else { throw PKCEError(.jwksUnknown) }
        let response = try send(.get(uri.url))
        guard response.status == 200 else {
            throw PKCEError(.jwksInvalid, "the JWKS at jwks_uri answered HTTP \(response.status)", httpStatus: response.status)
        }
        let fresh = try response.body.withBytes { json throws(PKCEError) in try JSONWebKeySet(json: json) }
        keys.store(fresh)
        return fresh
    }

    /// Verifies an ID token received some other way (sans-I/O): with `keys`,
    /// or the caller's given ones; nothing is fetched. `attempt` supplies the
    /// nonce and max_age (nil for a token from a refresh).
    public func verifyIDToken(_ text: UnsafeBufferPointer<UInt8>, attempt: AuthorizationAttempt?,
                              accessToken: SecureBytes?, keys given: JSONWebKeySet?) throws(PKCEError) -> IDTokenClaims {
        guard let keySet = given ?? keys.givenKeys else { throw PKCEError(.jwksUnknown) }
        let e = try expectations(attempt?.client ?? configuration, attempt: attempt, accessToken: accessToken)
        return try IDToken(text).verified(with: keySet, expecting: e)
    }

    /// The UserInfo endpoint's answer (OpenID Connect Core 5.3) for an access
    /// token, as JSON text. With `subject` (the verified ID token's `sub`), an
    /// answer about another user is refused (5.3.2). A token bound to `dpop`
    /// goes as `Authorization: DPoP` with a proof.
    public func userinfo(accessToken: UnsafeBufferPointer<UInt8>, subject: SecureBytes?,
                         dpop: DPoPKey? = nil) throws(PKCEError) -> SecureBytes {
        guard let endpoint = configuration.userinfoEndpoint else {
            throw PKCEError(.notConfigured, "no userinfo endpoint configured")
        }
        let response = try send(.get(endpoint, accessToken: accessToken, dpop: dpop))
        guard response.status == 200 else {
            throw PKCEError(.httpStatus, "the userinfo endpoint answered HTTP \(response.status)", httpStatus: response.status)
        }
        let document: JSONDocument
        do { document = try JSONDocument(parsing: response.body.buffer) } catch {
            throw PKCEError(.responseMalformed, "userinfo is not well-formed JSON: \(error.reason)", httpStatus: 200)
        }
        guard document.nodes[document.root].kind == .object else { throw PKCEError(.responseInvalid, "userinfo is not a JSON object") }
        if let subject {
            let sub = try document.stringMember("sub", wrongType: PKCEError(.idTokenClaim, "userinfo sub is not a string"))
            guard let sub, PKCE.constantTimeEquals(sub.buffer, subject.buffer) else {
                throw PKCEError(.idTokenClaim, "userinfo sub is not the ID token's subject")
            }
        }
        return response.body
    }

    /// `userinfo(accessToken:subject:)` for a token from this client, checked against its verified ID token.
    public func userinfo(for token: TokenResponse) throws(PKCEError) -> SecureBytes {
        try token.accessToken.withBytes { bearer throws(PKCEError) in
            try userinfo(accessToken: bearer, subject: token.idTokenClaims?.subject, dpop: token.isDPoPBound ? token.dpopKey : nil)
        }
    }
}
