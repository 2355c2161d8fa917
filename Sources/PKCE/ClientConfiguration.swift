#if canImport(Glibc)
import Glibc
#endif

/// What a public client registered with its authorization server. A value
/// type: each `AuthorizationAttempt` keeps the copy it was made from.
public struct ClientConfiguration: Sendable {
    public private(set) var clientID: String
    public private(set) var redirectURI: String
    public internal(set) var authorizationEndpoint: Endpoint?
    public internal(set) var tokenEndpoint: Endpoint?
    public internal(set) var revocationEndpoint: Endpoint?
    /// The device authorization endpoint (RFC 8628 3.1), for sign-in without a browser.
    public internal(set) var deviceAuthorizationEndpoint: Endpoint?
    /// Space-separated scopes; nil sends no `scope`.
    public private(set) var scope: String?
    /// The issuer identifier that the callback's `iss` must equal (RFC 9207).
    public private(set) var issuer: String?
    /// Whether a callback without `iss` is refused while `issuer` is set.
    public var requiresIssuerParameter = true
    /// The issuer the caller required `iss` for (setIssuer), which discovery keeps required.
    private var issuerRequiredByCaller: String?
    /// How token, refresh and revocation bodies are written.
    public var requestBodyFormat = RequestBodyFormat.form
    /// OpenID Connect: where the server's keys are (RFC 8414 / OIDC Discovery `jwks_uri`).
    public internal(set) var jwksURI: Endpoint?
    /// OpenID Connect: the UserInfo endpoint.
    public internal(set) var userinfoEndpoint: Endpoint?
    /// The JWS algorithms an ID token may be signed with; nil allows every
    /// asymmetric one libpkce knows. Discovery sets it from
    /// `id_token_signing_alg_values_supported`.
    public var idTokenAlgorithms: Set<String>?
    /// How far the clocks of client and server may differ, for `exp`, `iat`,
    /// `nbf` and `auth_time` (seconds, default 60).
    public var clockSkewSeconds: Int64 = 60
    /// A fixed "now" (Unix seconds) for ID token checks, for tests; nil reads the system clock.
    public var fixedTime: Int64?
    /// Where debug lines go (requests, answers, discovery, listener events),
    /// secrets masked; nil logs nothing.
    public var log: Log?
    /// Whether attempts send a `nonce`: when the scopes ask for OpenID Connect.
    private(set) var wantsNonce = false
    /// A confidential client's secret and how it is sent; nil for a public client.
    public internal(set) var clientSecret: ClientSecret?
    /// `token_endpoint_auth_methods_supported` from discovery, for `ClientAuthMethod.automatic`.
    public internal(set) var tokenEndpointAuthMethods: [String]?
    /// WorkOS's session logout endpoint, once `useWorkOS` set the client up.
    public internal(set) var workOSLogoutEndpoint: Endpoint?
    /// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0), from
    /// discovery's `end_session_endpoint` or set.
    public internal(set) var endSessionEndpoint: Endpoint?
    /// Pushed authorization requests (RFC 9126): the endpoint, from discovery
    /// or set, and whether the server requires them.
    public internal(set) var pushedAuthorizationRequestEndpoint: Endpoint?
    public internal(set) var requiresPushedAuthorizationRequests = false
    /// Whether sign-ins push their request when the server has an endpoint
    /// for it, even where it does not require that (the default: only then).
    public var prefersPushedAuthorizationRequests = false
    /// Whether a sign-in pushes its request first.
    public var pushesAuthorizationRequests: Bool {
        pushedAuthorizationRequestEndpoint != nil && (requiresPushedAuthorizationRequests || prefersPushedAuthorizationRequests)
    }
    /// Dynamic client registration (RFC 7591), from discovery.
    public internal(set) var registrationEndpoint: Endpoint?
    /// `scopes_supported` from discovery.
    public internal(set) var scopesSupported: [String]?
    /// Whether the server takes an https URL of a Client ID Metadata Document as client_id.
    public internal(set) var acceptsClientIDMetadataDocument = false
    /// The resource indicator (RFC 8707) sent in the authorization, token,
    /// refresh and device authorization requests: the canonical URI of the
    /// resource the tokens are for; nil sends none.
    public private(set) var resource: String?
    /// DPoP (RFC 9449): the key whose proof every request to the server's
    /// endpoints carries (token, refresh, revocation, device token, pushed
    /// request, UserInfo); nil sends none.
    public private(set) var dpopKey: DPoPKey?
    /// Whether the caller chose the key or its algorithm; else discovery may
    /// make a key of an algorithm the server lists instead of ES256.
    private var dpopAlgorithmChosen = false
    /// `dpop_signing_alg_values_supported` from discovery.
    public internal(set) var dpopAlgorithmsSupported: [String]?
    /// Whether an answer with tokens not bound to the key (`token_type`
    /// Bearer after a DPoP proof) is `.dpopNotBound`; else it is logged.
    public var requiresDPoPBoundTokens = false
    /// Whether the authorization request carries `dpop_jkt`, the key's
    /// thumbprint, so that the code too is bound to the key (RFC 9449 10).
    public var sendsDPoPThumbprint = false

    public init(clientID: String, redirectURI: String) throws(PKCEError) {
        guard !clientID.isEmpty else { throw PKCEError(.invalidArgument, "client_id is empty") }
        try URLRules.redirectURI(redirectURI)
        self.clientID = clientID
        self.redirectURI = redirectURI
    }

    /// A server's settings before any client is registered with it
    /// (`DiscoveredResource` keeps one): no client id, which `withClientID` gives.
    package init(unregistered: Void) {
        clientID = ""
        redirectURI = "http://127.0.0.1/"
    }

    public mutating func setAuthorizationEndpoint(_ url: String) throws(PKCEError) {
        authorizationEndpoint = try URLRules.endpoint(url)
    }

    public mutating func setTokenEndpoint(_ url: String) throws(PKCEError) {
        tokenEndpoint = try URLRules.endpoint(url)
    }

    public mutating func setRevocationEndpoint(_ url: String?) throws(PKCEError) {
        revocationEndpoint = try URLRules.endpoint(ifAny: url)
    }

    public mutating func setDeviceAuthorizationEndpoint(_ url: String?) throws(PKCEError) {
        deviceAuthorizationEndpoint = try URLRules.endpoint(ifAny: url)
    }

    public mutating func setPushedAuthorizationRequestEndpoint(_ url: String?) throws(PKCEError) {
        pushedAuthorizationRequestEndpoint = try URLRules.endpoint(ifAny: url)
    }

    public mutating func setEndSessionEndpoint(_ url: String?) throws(PKCEError) {
        endSessionEndpoint = try URLRules.endpoint(ifAny: url)
    }

    public mutating func setJWKSURI(_ url: String?) throws(PKCEError) {
        jwksURI = try URLRules.endpoint(ifAny: url)
    }

    public mutating func setUserinfoEndpoint(_ url: String?) throws(PKCEError) {
        userinfoEndpoint = try URLRules.endpoint(ifAny: url)
    }

    /// Binds the tokens to a resource (RFC 8707): `url` is made canonical
    /// (`ProtectedResource.canonicalURI`); nil binds them to none.
    public mutating func setResource(_ url: String?) throws(PKCEError) {
        resource = try url.map { (url) throws(PKCEError) in try ProtectedResource.canonicalURI(url) }
    }

    /// Proves possession of `key` on every request to the server (nil: no DPoP).
    public mutating func useDPoP(_ key: DPoPKey?) {
        dpopKey = key
        dpopAlgorithmChosen = key != nil
    }

    /// Proves possession of a new key of `algorithm`; nil takes the first
    /// the server lists that libpkce signs with (ES256, EdDSA, RS256), ES256
    /// when discovery has not run or the server lists none, and discovery
    /// that runs later may choose again.
    public mutating func useDPoP(algorithm: DPoPAlgorithm?) throws(PKCEError) {
        dpopKey = try DPoPKey(algorithm: algorithm ?? dpopAlgorithmsSupported.flatMap(DPoPAlgorithm.preferred(among:)) ?? .es256)
        dpopAlgorithmChosen = algorithm != nil
    }

    /// The application's DPoP settings of `other` (key, flags), for a
    /// configuration that another server's discovery made: the key the
    /// caller set up goes on to the resource's server.
    public mutating func adoptDPoP(of other: ClientConfiguration) throws(PKCEError) {
        dpopKey = other.dpopKey
        dpopAlgorithmChosen = other.dpopAlgorithmChosen
        requiresDPoPBoundTokens = other.requiresDPoPBoundTokens
        sendsDPoPThumbprint = other.sendsDPoPThumbprint
        try chooseDPoPAlgorithm()
    }

    /// After discovery: a key libpkce chose, of an algorithm the server does
    /// not list, is made again in one it does.
    mutating func chooseDPoPAlgorithm() throws(PKCEError) {
        guard let key = dpopKey, !dpopAlgorithmChosen, let supported = dpopAlgorithmsSupported,
              !supported.contains(key.algorithm.rawValue), let better = DPoPAlgorithm.preferred(among: supported) else { return }
        dpopKey = try DPoPKey(algorithm: better)
    }

    /// A copy with another client id: the same server, endpoints and
    /// settings, for the client a registration or metadata document made.
    public func withClientID(_ clientID: String, redirectURI: String? = nil) throws(PKCEError) -> ClientConfiguration {
        guard !clientID.isEmpty else { throw PKCEError(.invalidArgument, "client_id is empty") }
        if let redirectURI { try URLRules.redirectURI(redirectURI) }
        var copy = self
        copy.clientID = clientID
        copy.redirectURI = redirectURI ?? self.redirectURI
        return copy
    }

    /// Whether the scopes ask for OpenID Connect, so that ID tokens are verified.
    public var isOpenID: Bool { wantsNonce }

    /// The time ID token checks use.
    public var now: Int64 { fixedTime ?? Int64(time(nil)) }

    public mutating func setScope(_ scope: String?) {
        self.scope = (scope?.isEmpty ?? true) ? nil : scope
        wantsNonce = scope?.split(separator: " ").contains("openid") ?? false
    }

    /// The issuer: an https URL (http on a loopback host) without a query or
    /// fragment (RFC 8414 2), compared byte for byte with `iss`. A requirement
    /// the caller states here outlasts discovery of the same issuer, whatever
    /// its metadata says: discovery may add the requirement, never drop it.
    public mutating func setIssuer(_ issuer: String?, required: Bool = true) throws(PKCEError) {
        try assignIssuer(issuer, required: required)
        issuerRequiredByCaller = required ? issuer : nil
    }

    /// The issuer as discovery found it: required when the metadata says the
    /// server sends `iss`, or when the caller required it for this issuer.
    mutating func discoveredIssuer(_ issuer: String, sendsIss: Bool) throws(PKCEError) {
        try assignIssuer(issuer, required: sendsIss || issuerRequiredByCaller == issuer)
    }

    private mutating func assignIssuer(_ issuer: String?, required: Bool) throws(PKCEError) {
        if let issuer {
            guard !issuer.isEmpty else { throw PKCEError(.invalidArgument, "issuer is empty") }
            _ = try URLRules.endpoint(issuer)
            guard !issuer.utf8.contains(UInt8(ascii: "?")) else { throw PKCEError(.urlInvalid, "an issuer has no query (RFC 8414 2)") }
        }
        self.issuer = issuer
        requiresIssuerParameter = required
    }

    /// The refresh_token grant (RFC 6749 section 6), ready to send.
    public func refreshRequest(refreshToken: UnsafeBufferPointer<UInt8>, scope: String? = nil) throws(PKCEError) -> HTTPRequest {
        guard let tokenEndpoint else { throw PKCEError(.notConfigured, "no token endpoint configured") }
        guard !refreshToken.isEmpty else { throw PKCEError(.invalidArgument, "refresh token is empty") }
        var body = try RequestBodyBuilder(requestBodyFormat)
        body.add("grant_type", constant: "refresh_token")
        body.add("refresh_token", refreshToken)
        addClient(to: &body)
        if let scope, !scope.isEmpty { body.add("scope", scope) }
        if let resource { body.add("resource", resource) }
        let request = try post(to: tokenEndpoint, body: body)
        request.refreshToken = try SecureBytes(refreshToken)
        return request
    }

    public func refreshRequest(refreshToken: String, scope: String? = nil) throws(PKCEError) -> HTTPRequest {
        try SecureBytes(refreshToken).withBytes { bytes throws(PKCEError) in try refreshRequest(refreshToken: bytes, scope: scope) }
    }

    /// The token type hints of RFC 7009 2.1.
    public static let tokenTypeHints: Set<String> = ["access_token", "refresh_token"]

    /// Token revocation (RFC 7009 2.1); `hint` is "access_token" or "refresh_token", or nil.
    public func revocationRequest(token: UnsafeBufferPointer<UInt8>, hint: String? = nil) throws(PKCEError) -> HTTPRequest {
        if let hint, !Self.tokenTypeHints.contains(hint) {
            throw PKCEError(.invalidArgument, "token_type_hint is neither access_token nor refresh_token")
        }
        guard let revocationEndpoint else { throw PKCEError(.notConfigured, "no revocation endpoint configured") }
        guard !token.isEmpty else { throw PKCEError(.invalidArgument, "token is empty") }
        var body = try RequestBodyBuilder(requestBodyFormat)
        body.add("token", token)
        if let hint { body.add("token_type_hint", hint) }
        addClient(to: &body)
        return try post(to: revocationEndpoint, body: body)
    }
}

/// An immutable configuration behind a reference, shared by the attempts
/// made from it instead of copied into each.
package final class ConfigurationSnapshot: @unchecked Sendable {
    package let value: ClientConfiguration

    package init(_ value: ClientConfiguration) {
        self.value = value
    }
}
