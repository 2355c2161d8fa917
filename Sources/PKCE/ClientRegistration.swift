/// A public client registered with an authorization server: by dynamic
/// registration (RFC 7591), or as the https URL of a Client ID Metadata
/// Document the application publishes. Not secret: kept in the token store
/// beside the tokens so that the next sign-in needs no new registration.
public struct ClientRegistration: Sendable, Equatable {
    /// The issuer the client is registered with.
    public let issuer: String
    public let clientID: String
    /// The redirect URI registered: servers that match it exactly (port
    /// included) take only this one, so a sign-in reusing the registration
    /// binds its port.
    public let redirectURI: String
    /// The scope registered with, which some servers (the MCP SDK's) hold
    /// the client to: a sign-in for more registers again. nil when the
    /// registration named none.
    public let scope: String?

    public init(issuer: String, clientID: String, redirectURI: String, scope: String? = nil) throws(PKCEError) {
        guard !clientID.isEmpty else { throw PKCEError(.invalidArgument, "client_id is empty") }
        try URLRules.redirectURI(redirectURI)
        self.issuer = issuer
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.scope = scope
    }

    /// Whether a sign-in for `wanted` may use this registration.
    public func allows(scope wanted: String?) -> Bool { scope == nil || ScopeList.contains(scope, wanted) }

    /// The registration request of a public native client (RFC 7591 2, 3.1):
    /// no secret (`token_endpoint_auth_method` "none"), the authorization
    /// code and refresh grants, one redirect URI, `application_type` native. `scope`, when given, is the
    /// scope the client will ask for.
    public static func request(_ client: ClientConfiguration, redirectURI: String, clientName: String,
                               scope: String? = nil) throws(PKCEError) -> HTTPRequest {
        guard let endpoint = client.registrationEndpoint else {
            throw PKCEError(.registration, "the server offers no dynamic client registration (no registration_endpoint)")
        }
        try URLRules.redirectURI(redirectURI)
        guard !clientName.isEmpty, clientName.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
            throw PKCEError(.invalidArgument, "client_name is empty or holds a control character")
        }
        var body = try ByteWriter(capacity: 256 + redirectURI.utf8.count + clientName.utf8.count)
        body.append("{\"client_name\":")
        body.appendJSONString(clientName)
        body.append(",\"redirect_uris\":[")
        body.appendJSONString(redirectURI)
        // application_type "native" (OpenID Connect Registration 2; MCP's SEP-837): an OpenID
        // server takes loopback http redirect URIs only from a native client.
        body.append("],\"grant_types\":[\"authorization_code\",\"refresh_token\"],\"response_types\":[\"code\"],"
                    + "\"token_endpoint_auth_method\":\"none\",\"application_type\":\"native\"")
        if let scope, !scope.isEmpty {
            body.append(",\"scope\":")
            body.appendJSONString(scope)
        }
        body.append(UInt8(ascii: "}"))
        return try HTTPRequest(.jsonPost, urlBytes: endpoint.bytes, body: body.finish())
    }

    /// Reads the registration answer (RFC 7591 3.2): `client_id`, and the
    /// redirect URI as registered, which must be the one asked for. An error
    /// answer (`invalid_redirect_uri`, `invalid_client_metadata`, ...) is
    /// `.oauth` with its fields; a confidential registration (another
    /// `token_endpoint_auth_method`) is `.registration`. A `client_secret`
    /// in the answer is not kept: a public client has nowhere safe for it.
    public init(answer: HTTPResponse, issuer: String, redirectURI: String, scope: String? = nil) throws(PKCEError) {
        let document = try ServerAnswer.successfulDocument(answer)
        let status = answer.status
        guard let clientID = try ServerAnswer.stringMember("client_id", of: document, httpStatus: status)?.string,
              !clientID.isEmpty else {
            throw PKCEError(.responseInvalid, "the registration answer lacks client_id", httpStatus: status)
        }
        if let method = try ServerAnswer.stringMember("token_endpoint_auth_method", of: document, httpStatus: status)?.string,
           method != "none" {
            throw PKCEError(.registration, "the server registered a confidential client (token_endpoint_auth_method "
                            + "'\(PKCEError.printable(method))'), not the public one asked for", httpStatus: status)
        }
        let wrongType = PKCEError(.responseInvalid, "the registration answer's redirect_uris is not an array", httpStatus: status)
        if let uris = try document.stringArrayMember("redirect_uris", wrongType: wrongType), uris != [redirectURI] {
            throw PKCEError(.registration, "the server registered other redirect URIs than the one asked for", httpStatus: status)
        }
        let registered = try ServerAnswer.stringMember("scope", of: document, httpStatus: status)?.string
        try self.init(issuer: issuer, clientID: clientID, redirectURI: redirectURI, scope: registered ?? scope)
    }

    public init(httpStatus: Int, body: UnsafeBufferPointer<UInt8>, issuer: String, redirectURI: String,
                scope: String? = nil) throws(PKCEError) {
        try ServerAnswer.checkEnvelope(httpStatus: httpStatus, size: body.count)
        try self.init(answer: HTTPResponse(status: httpStatus, body: SecureBytes(body)), issuer: issuer,
                      redirectURI: redirectURI, scope: scope)
    }

    /// A Client ID Metadata Document's URL as the client id, when the server
    /// takes one (`client_id_metadata_document_supported`): an https URL with
    /// a path (the MCP specification's rule), which the server fetches itself.
    public static func metadataDocument(_ url: String, for client: ClientConfiguration,
                                        redirectURI: String) throws(PKCEError) -> ClientRegistration {
        guard url.hasPrefix("https://") else {
            throw PKCEError(.urlInsecure, "a client id metadata document is an https URL")
        }
        _ = try URLRules.endpoint(url)
        let afterHost = url.utf8.dropFirst(8).drop { $0 != UInt8(ascii: "/") }
        guard afterHost.count > 1 else {
            throw PKCEError(.urlInvalid, "a client id metadata document's URL has a path (not just /)")
        }
        guard let issuer = client.issuer else { throw PKCEError(.notConfigured, "no issuer: discover the server first") }
        guard client.acceptsClientIDMetadataDocument else {
            throw PKCEError(.registration, "the server does not take client id metadata documents "
                            + "(no client_id_metadata_document_supported)")
        }
        return try ClientRegistration(issuer: issuer, clientID: url, redirectURI: redirectURI)
    }
}
