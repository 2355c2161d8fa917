/// How strictly metadata is read, and where it is looked for.
public enum MetadataProfile: Sendable {
    /// RFC 8414, then OpenID Connect Discovery; a server that does not list
    /// `code_challenge_methods_supported` is still tried (many do not).
    case oauth
    /// The MCP authorization profile: for an issuer with a path, OpenID
    /// Connect's URL with the path inserted is tried too, and metadata
    /// without `code_challenge_methods_supported` is refused (its MUST).
    case mcp
}

/// Authorization server metadata (RFC 8414, and OpenID Connect Discovery),
/// sans-I/O: the URLs to fetch, and what to do with what they return.
extension ClientConfiguration {
    /// RFC 8414's well-known URL first (`/.well-known/oauth-authorization-server`
    /// inserted before the issuer's path), then OpenID Connect's
    /// (`/.well-known/openid-configuration` appended to the issuer). In the
    /// MCP profile an issuer with a path gets OpenID Connect's URL with the
    /// path inserted second, as the MCP specification orders them.
    public static func metadataURLs(issuer: String, profile: MetadataProfile = .oauth) throws(PKCEError) -> [String] {
        _ = try URLRules.endpoint(issuer)  // https (or loopback http) with a host: "scheme://host..."
        let bytes = Substring(issuer).utf8
        guard !bytes.contains(UInt8(ascii: "?")), let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else {
            throw PKCEError(.urlInvalid, "an issuer identifier has no query (RFC 8414 2)")
        }
        // The path starts at the first '/' after "scheme://".
        let afterScheme = bytes.index(colon, offsetBy: 3)
        let pathStart = bytes[afterScheme...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
        var path = Substring(bytes[pathStart...])
        while path.hasSuffix("/") { path = path.dropLast() }
        let origin = Substring(bytes[..<pathStart])
        if profile == .mcp, !path.isEmpty {
            return [origin + "/.well-known/oauth-authorization-server" + path,
                    origin + "/.well-known/openid-configuration" + path,
                    origin + path + "/.well-known/openid-configuration"]
        }
        return [origin + "/.well-known/oauth-authorization-server" + path,
                origin + path + "/.well-known/openid-configuration"]
    }

    /// Applies metadata fetched for `issuer`: endpoints, issuer and whether
    /// `iss` is sent (RFC 9207). Refuses metadata for another issuer (RFC 8414
    /// 3.3) and a server that lists code_challenge_methods_supported without
    /// S256 (or, in the MCP profile, does not list it at all). Nothing changes
    /// unless everything checks out.
    public mutating func applyMetadata(issuer: String, json: UnsafeBufferPointer<UInt8>,
                                       profile: MetadataProfile = .oauth) throws(PKCEError) {
        guard !issuer.isEmpty else { throw PKCEError(.invalidArgument, "issuer is empty") }
        guard json.count <= HTTPResponse.maxBodyBytes else { throw PKCEError(.responseTooLarge) }
        let document: JSONDocument
        do { document = try JSONDocument(parsing: json) } catch {
            throw PKCEError(.responseMalformed, "metadata is not well-formed JSON: \(error.reason)")
        }
        guard document.nodes[document.root].kind == .object else { throw PKCEError(.discovery, "metadata is not a JSON object") }
        func string(_ name: String) throws(PKCEError) -> String? {
            try document.stringMember(name, wrongType: PKCEError(.discovery, "metadata \(name) is not a string"))?.string
        }
        func endpoint(_ name: String) throws(PKCEError) -> Endpoint? {
            guard let url = try string(name) else { return nil }
            do { return try URLRules.endpoint(url) } catch {
                throw PKCEError(error.code, "metadata \(name) is refused: \(error.message)")
            }
        }
        let named = try string("issuer")
        guard named == issuer else {
            throw PKCEError(.discovery, "metadata names issuer '\(PKCEError.printable(named ?? "", limit: 200))', not "
                            + "'\(PKCEError.printable(issuer, limit: 200))' that was asked for (RFC 8414 3.3)")
        }
        func strings(_ name: String) throws(PKCEError) -> [String]? {
            try document.stringArrayMember(name, wrongType: PKCEError(.discovery, "metadata \(name) is not an array"))
        }
        let methods = try strings("code_challenge_methods_supported")
        if let methods, !methods.contains("S256") { throw PKCEError(.s256Unsupported) }
        if methods == nil, profile == .mcp { throw PKCEError(.pkceNotAdvertised) }
        var sendsIss = false
        if let flag = document.member("authorization_response_iss_parameter_supported") {
            sendsIss = document.nodes[flag].kind == .true
        }
        guard let authorization = try endpoint("authorization_endpoint"), let token = try endpoint("token_endpoint") else {
            throw PKCEError(.discovery, "metadata lacks authorization_endpoint or token_endpoint")
        }
        let revocation = try endpoint("revocation_endpoint")
        let device = try endpoint("device_authorization_endpoint")
        let jwks = try endpoint("jwks_uri")
        let userinfo = try endpoint("userinfo_endpoint")
        let endSession = try endpoint("end_session_endpoint")
        let pushed = try endpoint("pushed_authorization_request_endpoint")
        var pushRequired = false
        if let flag = document.member("require_pushed_authorization_requests") {
            pushRequired = document.nodes[flag].kind == .true
        }
        guard pushed != nil || !pushRequired else {
            throw PKCEError(.discovery, "metadata requires pushed authorization requests but names no pushed_authorization_request_endpoint")
        }
        let algorithms = try strings("id_token_signing_alg_values_supported").map { Set($0) }
        let dpopAlgorithms = try strings("dpop_signing_alg_values_supported")
        let authMethods = try strings("token_endpoint_auth_methods_supported")
        let registration = try endpoint("registration_endpoint")
        let scopes = try strings("scopes_supported")
        var metadataDocuments = false
        if let flag = document.member("client_id_metadata_document_supported") {
            metadataDocuments = document.nodes[flag].kind == .true
        }
        authorizationEndpoint = authorization
        tokenEndpoint = token
        revocationEndpoint = revocation
        deviceAuthorizationEndpoint = device
        jwksURI = jwks
        userinfoEndpoint = userinfo
        endSessionEndpoint = endSession
        pushedAuthorizationRequestEndpoint = pushed
        requiresPushedAuthorizationRequests = pushRequired
        idTokenAlgorithms = algorithms
        tokenEndpointAuthMethods = authMethods
        registrationEndpoint = registration
        scopesSupported = scopes
        acceptsClientIDMetadataDocument = metadataDocuments
        dpopAlgorithmsSupported = dpopAlgorithms
        try chooseDPoPAlgorithm()
        try discoveredIssuer(issuer, sendsIss: sendsIss)
    }

    /// Takes `userinfo_endpoint`, `jwks_uri` and the ID token algorithms
    /// from the OpenID document of `issuer` where the RFC 8414 document
    /// applied before lacked them; checked as `applyMetadata` checks, and
    /// nothing else changes.
    public mutating func completeOpenIDMetadata(issuer: String, json: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        var openID = self
        try openID.applyMetadata(issuer: issuer, json: json)
        if userinfoEndpoint == nil { userinfoEndpoint = openID.userinfoEndpoint }
        if endSessionEndpoint == nil { endSessionEndpoint = openID.endSessionEndpoint }
        if jwksURI == nil { jwksURI = openID.jwksURI }
        if idTokenAlgorithms == nil { idTokenAlgorithms = openID.idTokenAlgorithms }
    }
}
