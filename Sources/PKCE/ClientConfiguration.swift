/// What a public client registered with its authorization server. A value
/// type: each `AuthorizationAttempt` keeps the copy it was made from.
public struct ClientConfiguration: Sendable {
    public let clientID: String
    public let redirectURI: String
    public private(set) var authorizationEndpoint: Endpoint?
    public private(set) var tokenEndpoint: Endpoint?
    /// Space-separated scopes; nil sends no `scope`.
    public private(set) var scope: String?
    /// The issuer identifier that the callback's `iss` must equal (RFC 9207).
    public private(set) var issuer: String?
    /// Whether a callback without `iss` is refused while `issuer` is set.
    public var requiresIssuerParameter = true

    public init(clientID: String, redirectURI: String) throws(PKCEError) {
        guard !clientID.isEmpty else { throw PKCEError(.invalidArgument, "client_id is empty") }
        try URLRules.redirectURI(redirectURI)
        self.clientID = clientID
        self.redirectURI = redirectURI
    }

    public mutating func setAuthorizationEndpoint(_ url: String) throws(PKCEError) {
        authorizationEndpoint = try URLRules.endpoint(url)
    }

    public mutating func setTokenEndpoint(_ url: String) throws(PKCEError) {
        tokenEndpoint = try URLRules.endpoint(url)
    }

    public mutating func setScope(_ scope: String?) {
        self.scope = (scope?.isEmpty ?? true) ? nil : scope
        wantsNonce = scope?.split(separator: " ").contains("openid") ?? false
    }

    public mutating func setIssuer(_ issuer: String?, required: Bool = true) throws(PKCEError) {
        if let issuer, issuer.isEmpty { throw PKCEError(.invalidArgument, "issuer is empty") }
        self.issuer = issuer
        requiresIssuerParameter = required
    }

    /// Whether attempts send a `nonce`: when the scopes ask for OpenID Connect.
    private(set) var wantsNonce = false

    /// The refresh_token grant (RFC 6749 section 6), ready to send.
    public func refreshRequest(refreshToken: UnsafeBufferPointer<UInt8>, scope: String? = nil) throws(PKCEError) -> HTTPRequest {
        guard let tokenEndpoint else { throw PKCEError(.notConfigured, "no token endpoint configured") }
        guard !refreshToken.isEmpty else { throw PKCEError(.invalidArgument, "refresh token is empty") }
        var body = ByteWriter()
        FormEncoding.appendPair("grant_type", "refresh_token", to: &body)
        FormEncoding.appendPair("refresh_token", refreshToken, to: &body)
        FormEncoding.appendPair("client_id", clientID, to: &body)
        if let scope, !scope.isEmpty { FormEncoding.appendPair("scope", scope, to: &body) }
        return HTTPRequest.formPost(to: tokenEndpoint, body: body.finish())
    }

    public func refreshRequest(refreshToken: String, scope: String? = nil) throws(PKCEError) -> HTTPRequest {
        try SecureBytes(refreshToken).withBytes { bytes throws(PKCEError) in try refreshRequest(refreshToken: bytes, scope: scope) }
    }
}
