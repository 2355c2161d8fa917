/// One sign-in: the verifier, its S256 challenge, the state and (for OpenID
/// scopes) the nonce, from the authorization URL to the token request.
/// Not for concurrent use; its secrets are wiped when it is released.
public final class AuthorizationAttempt {
    /// Parameters the library sets itself; an extra parameter may not override them.
    public static let reservedParameters: Set<String> = [
        "response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
        "code_challenge", "code_challenge_method",
    ]

    /// Names that carry secrets or belong to the token request: in the
    /// authorization URL they would end up in browser history, proxy and
    /// server logs, so they are refused as extra parameters too.
    public static let secretParameters: Set<String> = [
        "client_secret", "client_assertion", "code_verifier", "code", "refresh_token", "access_token", "id_token",
        "grant_type", "device_code", "password", "assertion",
    ]

    /// The configuration the attempt was made from. Kept by reference: attempts
    /// made through one `OAuthClient` share its snapshot, so that making one
    /// copies none of the configuration's many strings.
    public var client: ClientConfiguration { configuration.value }
    /// `client.isOpenID`, without the copy of the whole configuration that
    /// `client` makes for a caller in another module (on every exchange).
    package var isOpenID: Bool { configuration.value.isOpenID }
    /// Read through `configuration.value` inside the module: through `client`, each
    /// read would copy the whole configuration.
    let configuration: ConfigurationSnapshot
    public let verifier: SecureBytes
    public let challenge: SecureBytes
    public let state: SecureBytes
    public let nonce: SecureBytes?
    public private(set) var extraParameters: [(name: String, value: String)] = []
    /// The authorization code, once a callback has been accepted.
    @exclusivity(unchecked) public internal(set) var code: SecureBytes?
    /// Where the browser is sent back: the client's redirect URI, unless
    /// `setRedirectURI` put the address of a loopback listener in its place.
    @exclusivity(unchecked) public private(set) var redirectURI: String
    /// The `request_uri` the server gave for this attempt's pushed request
    /// (RFC 9126), once pushed: the authorization URL then carries it alone.
    public var requestURI: String? { requestURIBytes?.string }
    /// The same, with a NUL after it, for the C layer to lend.
    package private(set) var requestURIBytes: SecureBytes?
    /// When the `request_uri` stops being good (`Cancellation.now()` clock,
    /// from the answer's `expires_in`); nil when the server did not say.
    private var requestURIDeadline: Int?
    /// How long before its expiry a `request_uri` counts as expired: the
    /// browser still has to reach the server with it.
    public static let requestURIMarginMilliseconds = 1000
    /// Whether the pushed request has expired (or is about to): the browser
    /// must not be sent with it. Push again (`pushedAuthorizationRequest`
    /// takes an expired one); the one-call sign-in does so by itself.
    public var pushedRequestExpired: Bool {
        guard requestURI != nil, let requestURIDeadline else { return false }
        return Cancellation.now() + Self.requestURIMarginMilliseconds >= requestURIDeadline
    }
    /// `max_age` (OpenID Connect), when added as a parameter: the ID token
    /// must then carry an `auth_time` no older than this many seconds.
    public private(set) var maxAge: Int64?

    /// A fresh attempt with a 43-character verifier and state.
    public convenience init(client: ClientConfiguration) throws(PKCEError) {
        try self.init(shared: ConfigurationSnapshot(client))
    }

    /// A fresh attempt from a configuration snapshot another object keeps.
    package init(shared: ConfigurationSnapshot) throws(PKCEError) {
        guard !shared.value.clientID.isEmpty else { throw PKCEError(.notConfigured, "no client id: sign in to a resource first") }
        configuration = shared
        redirectURI = shared.value.redirectURI
        verifier = try PKCE.generateVerifier()
        challenge = try Self.s256Challenge(verifier)
        state = try PKCE.randomCharacters(43)
        nonce = shared.value.wantsNonce ? try PKCE.randomCharacters(43) : nil
    }

    /// An attempt saved earlier, e.g. by a CLI whose callback reaches another process.
    /// State and nonce are read in place and kept in wiped memory only.
    public init(client: ClientConfiguration, verifier: UnsafeBufferPointer<UInt8>, state: UnsafeBufferPointer<UInt8>,
                nonce: UnsafeBufferPointer<UInt8>?) throws(PKCEError) {
        try PKCE.checkVerifier(verifier)
        guard !state.isEmpty else { throw PKCEError(.invalidArgument, "state is empty") }
        if let nonce, nonce.isEmpty { throw PKCEError(.invalidArgument, "nonce is empty") }
        configuration = ConfigurationSnapshot(client)
        redirectURI = client.redirectURI
        self.verifier = try SecureBytes(verifier)
        challenge = try Self.s256Challenge(self.verifier)
        self.state = try SecureBytes(state)
        self.nonce = try nonce.map { (nonce) throws(PKCEError) in try SecureBytes(nonce) }
    }

    public convenience init(client: ClientConfiguration, verifier: UnsafeBufferPointer<UInt8>, state: String,
                            nonce: String?) throws(PKCEError) {
        let state = try SecureBytes(state), nonce = try nonce.map { (nonce) throws(PKCEError) in try SecureBytes(nonce) }
        try self.init(client: client, verifier: verifier, state: state.buffer, nonce: nonce?.buffer)
        withExtendedLifetime((state, nonce)) {}
    }

    private static func s256Challenge(_ verifier: SecureBytes) throws(PKCEError) -> SecureBytes {
        let out = try secureAllocate(PKCE.s256ChallengeLength + 1)
        let result = SecureBytes(adopting: out, count: PKCE.s256ChallengeLength)
        try PKCE.writeS256Challenge(of: verifier.buffer, into: out)
        return result
    }

    /// Sends the browser back to `uri` instead of the client's redirect URI,
    /// in the authorization URL and the token request alike (RFC 6749
    /// 4.1.3 wants the two equal): for a loopback listener whose port is
    /// known only once it is bound (RFC 8252 7.3).
    public func setRedirectURI(_ uri: String) throws(PKCEError) {
        guard code == nil, requestURI == nil else {
            throw PKCEError(.attemptUsed, "the redirect URI cannot change once the request was pushed or a callback accepted")
        }
        try URLRules.redirectURI(uri)
        redirectURI = uri
    }

    /// Adds a provider parameter (WorkOS `provider`, `connection_id`,
    /// `organization_id`, or `login_hint`, `prompt`, ...) to the authorization URL.
    public func addParameter(_ name: String, _ value: String) throws(PKCEError) {
        guard requestURI == nil else { throw PKCEError(.attemptUsed, "the request was pushed: no parameter can be added") }
        guard !name.isEmpty else { throw PKCEError(.invalidArgument, "parameter name is empty") }
        guard !Self.reservedParameters.contains(name) else {
            throw PKCEError(.parameterReserved, "parameter '\(PKCEError.printable(name))' is set by the library")
        }
        if name == "resource", configuration.value.resource != nil {
            throw PKCEError(.parameterReserved, "parameter 'resource' is set by the library: the client is bound to a resource")
        }
        if name == "dpop_jkt", configuration.value.sendsDPoPThumbprint, configuration.value.dpopKey != nil {
            throw PKCEError(.parameterReserved, "parameter 'dpop_jkt' is set by the library from the DPoP key")
        }
        guard !Self.secretParameters.contains(name) else {
            throw PKCEError(.parameterReserved,
                            "parameter '\(name)' would put a secret or a token request field into the browser's URL")
        }
        if name == "max_age" {
            guard let seconds = Int64(value), seconds >= 0, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw PKCEError(.invalidArgument, "max_age is not a number of seconds")
            }
            maxAge = seconds
        }
        extraParameters.append((name, value))
    }

    /// The URL to open in the user's browser.
    public func authorizationURL() throws(PKCEError) -> String {
        try authorizationURLBytes().string
    }

    package func authorizationURLBytes() throws(PKCEError) -> SecureBytes {
        guard let endpoint = configuration.value.authorizationEndpoint else {
            throw PKCEError(.notConfigured, "no authorization endpoint configured")
        }
        var url = try ByteWriter(capacity: endpoint.url.utf8.count + 320)
        url.append(endpoint.url)
        url.append(endpoint.separator)
        if let requestURI {
            // Pushed (RFC 9126 4): the browser carries the reference alone.
            Self.appendQuery(&url, "client_id", configuration.value.clientID, first: true)
            Self.appendQuery(&url, "request_uri", requestURI)
            return try url.finish()
        }
        url.append("response_type=code")
        forEachParameter { name, value in Self.appendQuery(&url, name, value) }
        return try url.finish()
    }

    /// The authorization request's parameters after `response_type`, in
    /// the order they are sent, for the URL and the pushed request alike.
    private func forEachParameter(_ visit: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void) {
        func text(_ name: StaticString, _ value: String) {
            var value = value
            value.withUTF8 { visit(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), $0) }
        }
        func bytes(_ name: StaticString, _ value: SecureBytes) {
            visit(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), value.buffer)
        }
        let client = configuration.value
        text("client_id", client.clientID)
        text("redirect_uri", redirectURI)
        if let scope = client.scope { text("scope", scope) }
        bytes("state", state)
        if let nonce { bytes("nonce", nonce) }
        bytes("code_challenge", challenge)
        text("code_challenge_method", "S256")
        if let resource = client.resource { text("resource", resource) }
        if client.sendsDPoPThumbprint, let key = client.dpopKey { text("dpop_jkt", key.thumbprint) }
        for (name, value) in extraParameters {
            var name = name, value = value
            name.withUTF8 { name in value.withUTF8 { visit(name, $0) } }
        }
    }

    private static func appendQuery(_ url: inout ByteWriter, _ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>,
                                    first: Bool = false) {
        if !first { url.append(UInt8(ascii: "&")) }
        url.appendEncoded(name, .query)
        url.append(UInt8(ascii: "="))
        url.appendEncoded(value, .query)
    }

    private static func appendQuery(_ url: inout ByteWriter, _ name: StaticString, _ value: String, first: Bool = false) {
        var value = value
        value.withUTF8 {
            appendQuery(&url, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), $0, first: first)
        }
    }

    /// The pushed authorization request (RFC 9126 2.1): every parameter of
    /// the authorization URL in a form body, with the client authentication
    /// of a token request, to the server's `pushed_authorization_request_endpoint`.
    public func pushedAuthorizationRequest() throws(PKCEError) -> HTTPRequest {
        let client = configuration.value
        guard let endpoint = client.pushedAuthorizationRequestEndpoint else {
            throw PKCEError(.notConfigured, "the server has no pushed_authorization_request_endpoint")
        }
        guard requestURI == nil || pushedRequestExpired else {
            throw PKCEError(.attemptUsed, "this attempt's request was pushed already, and has not expired")
        }
        var body = try RequestBodyBuilder(.form)
        body.add("response_type", constant: "code")
        forEachParameter { name, value in body.add(name: name, value) }
        client.addClientSecret(to: &body)
        return try client.post(to: endpoint, body: body)
    }

    /// Reads the pushed request's answer (RFC 9126 2.2): 201 with a
    /// `request_uri` and `expires_in`; the authorization URL then carries only
    /// `client_id` and that `request_uri`, until `expires_in` seconds have
    /// passed (`pushedRequestExpired`). An error answer is `.oauth`.
    public func handlePushedAuthorizationResponse(_ response: HTTPResponse) throws(PKCEError) {
        let document = try ServerAnswer.successfulDocument(response)
        guard let uri = try ServerAnswer.stringMember("request_uri", of: document, httpStatus: response.status)?.string,
              !uri.isEmpty, uri.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw PKCEError(.responseInvalid, "the pushed request's answer lacks a usable request_uri", httpStatus: response.status)
        }
        let lifetime = try ServerAnswer.secondsMember("expires_in", of: document, httpStatus: response.status)
        requestURIBytes = try SecureBytes(uri)
        requestURIDeadline = lifetime.map { Cancellation.now() + Int(min($0, 86_400)) * 1000 }
    }

    /// `handlePushedAuthorizationResponse` for an answer the caller received.
    public func handlePushedAuthorizationResponse(httpStatus: Int, body: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        try ServerAnswer.checkEnvelope(httpStatus: httpStatus, size: body.count)
        try handlePushedAuthorizationResponse(HTTPResponse(status: httpStatus, body: SecureBytes(body)))
    }

    /// The authorization_code grant with the code from the callback (RFC 6749
    /// 4.1.3, RFC 7636 4.5).
    public func tokenRequest() throws(PKCEError) -> HTTPRequest {
        guard let code else { throw PKCEError(.codeMissing, "no callback with a code has been handled") }
        return try configuration.codeExchange(code: code, verifier: verifier, redirectURI: redirectURI)
    }
}

extension ConfigurationSnapshot {
    /// The code exchange's POST (RFC 6749 4.1.3, RFC 7636 4.5), built
    /// inside the snapshot: read from the attempt, `value` was copied whole
    /// (all its strings retained and released) on every exchange.
    fileprivate func codeExchange(code: SecureBytes, verifier: SecureBytes, redirectURI: String) throws(PKCEError) -> HTTPRequest {
        try value.codeExchange(code: code, verifier: verifier, redirectURI: redirectURI)
    }
}

extension ClientConfiguration {
    fileprivate func codeExchange(code: SecureBytes, verifier: SecureBytes, redirectURI: String) throws(PKCEError) -> HTTPRequest {
        guard let tokenEndpoint else { throw PKCEError(.notConfigured, "no token endpoint configured") }
        var body = try RequestBodyBuilder(requestBodyFormat)
        body.add("grant_type", constant: "authorization_code")
        body.add("code", code)
        // WorkOS's JSON exchange takes no redirect_uri; RFC 6749 4.1.3 requires it.
        if requestBodyFormat == .form { body.add("redirect_uri", redirectURI) }
        addClient(to: &body)
        body.add("code_verifier", verifier)
        if let resource { body.add("resource", resource) }
        return try post(to: tokenEndpoint, body: body)
    }
}
