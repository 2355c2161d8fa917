/// From a protected resource's URL to the authorization server to sign in
/// with, sans-I/O (the MCP authorization profile; RFC 9728, RFC 8414): ask
/// `nextRequest()` what to send, send it with any HTTP stack, hand the
/// answer to `handle`, until `nextRequest()` returns nil; then `result`
/// holds what was found. The built-in transport drives the same steps.
///
/// The steps: the resource itself without a token, unless the caller
/// already has its 401's challenge (for `resource_metadata` and `scope`);
/// the resource metadata (from the challenge, else the well-known URIs);
/// the authorization server metadata in the MCP order.
public final class ResourceDiscovery {
    public enum Step: Sendable { case probe, resourceMetadata, serverMetadata, done }

    /// The canonical URI of the URL asked for.
    public let requested: String
    public private(set) var step: Step
    /// The resource's challenge: the caller's, or the probe's 401.
    public private(set) var challenge: ResourceChallenge?
    public private(set) var resourceMetadata: ProtectedResourceMetadata?
    public private(set) var result: DiscoveredResource?
    /// The issuer to prefer when the resource lists several.
    public var preferredIssuer: String?

    private var urls: [String] = []
    private var tried: [String] = []
    private var issuer: String?

    /// `challenge`: the WWW-Authenticate challenge of a 401 or 403 the caller
    /// received from the resource; without one, the first request probes
    /// the resource for it.
    public init(resource url: String, challenge: ResourceChallenge? = nil) throws(PKCEError) {
        requested = try ProtectedResource.canonicalURI(url)
        self.challenge = challenge
        if challenge == nil {
            step = .probe
            urls = [url]
        } else {
            step = .resourceMetadata
            urls = try ProtectedResource.metadataURLs(resource: requested, challenge: challenge)
        }
    }

    /// The request to send next; nil once discovery is done.
    public func nextRequest() throws(PKCEError) -> HTTPRequest? {
        guard step != .done, let url = urls.first else { return nil }
        return try .get(url)
    }

    /// Takes the answer to the request `nextRequest()` gave.
    public func handle(_ response: HTTPResponse) throws(PKCEError) {
        guard step != .done, let url = urls.first else {
            throw PKCEError(.invalidArgument, "discovery is done: there is no request to answer")
        }
        urls.removeFirst()
        tried.append("\(PKCEError.printable(url, limit: 200)) (HTTP \(response.status))")
        switch step {
        case .probe:
            // A resource that answers without a token still has metadata to find; only its challenge is missing.
            if response.status == 401 || response.status == 403 { challenge = try ResourceChallenge(headers: response.wwwAuthenticate) }
            step = .resourceMetadata
            urls = try ProtectedResource.metadataURLs(resource: requested, challenge: challenge)
        case .resourceMetadata:
            guard response.status == 200 else {
                // A URL the resource named itself has no fallback (RFC 9728 5.1).
                if urls.isEmpty { throw noMetadata("no resource metadata", response.status) }
                return
            }
            let metadata = try response.body.withBytes { (json) throws(PKCEError) in
                try ProtectedResourceMetadata(json: json, requested: requested)
            }
            resourceMetadata = metadata
            let server = try metadata.authorizationServer(preferring: preferredIssuer)
            issuer = server
            step = .serverMetadata
            urls = try ClientConfiguration.metadataURLs(issuer: server, profile: .mcp)
        case .serverMetadata:
            guard response.status == 200, let issuer, let resourceMetadata else {
                if urls.isEmpty { throw noMetadata("no authorization server metadata", response.status) }
                return
            }
            result = try response.body.withBytes { (json) throws(PKCEError) in
                try DiscoveredResource(resource: resourceMetadata.resource, issuer: issuer,
                                       resourceScopes: resourceMetadata.scopesSupported, requiresDPoP: resourceMetadata.requiresDPoP,
                                       serverMetadata: json)
            }
            step = .done
        case .done:
            break
        }
    }

    /// `handle` for an answer the caller received: its status, WWW-Authenticate values and body.
    public func handle(httpStatus: Int, wwwAuthenticate: [String], body: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        try ServerAnswer.checkEnvelope(httpStatus: httpStatus, size: body.count)
        try handle(HTTPResponse(status: httpStatus, body: SecureBytes(body), wwwAuthenticate: wwwAuthenticate))
    }

    private func noMetadata(_ what: String, _ status: Int) -> PKCEError {
        PKCEError(.discovery, "\(what): tried \(tried.joined(separator: ", "))", httpStatus: status)
    }
}

/// What discovery found for a resource: the resource identifier, the
/// authorization server and its metadata. Not secret; a store keeps it so
/// that the next sign-in to the resource fetches nothing before the browser.
public struct DiscoveredResource: Sendable {
    /// The canonical resource identifier the resource's metadata names.
    public let resource: String
    public let issuer: String
    /// The resource's `scopes_supported`.
    public let resourceScopes: [String]?
    /// Whether the resource takes only DPoP-bound tokens (its metadata's
    /// `dpop_bound_access_tokens_required`): a sign-in then uses DPoP.
    public let requiresDPoP: Bool
    /// The authorization server's metadata, as received.
    public let serverMetadata: [UInt8]
    /// The server's settings, applied from `serverMetadata` with the MCP
    /// profile's checks; its client id is not set.
    private let server: ClientConfiguration

    public init(resource: String, issuer: String, resourceScopes: [String]?, requiresDPoP: Bool = false,
                serverMetadata: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        var server = ClientConfiguration(unregistered: ())
        try server.applyMetadata(issuer: issuer, json: serverMetadata, profile: .mcp)
        self.resource = try ProtectedResource.canonicalURI(resource)
        self.issuer = issuer
        self.resourceScopes = resourceScopes
        self.requiresDPoP = requiresDPoP
        self.serverMetadata = Array(serverMetadata)
        self.server = server
    }

    public var registrationEndpoint: Endpoint? { server.registrationEndpoint }
    public var acceptsClientIDMetadataDocument: Bool { server.acceptsClientIDMetadataDocument }

    /// The scope to ask for (the MCP order): the challenge's, else the
    /// resource's `scopes_supported`, else none. A step-up (a challenge with
    /// `insufficient_scope`) asks for `granted`, what the current token
    /// has, too: the new token must still do what the old one did.
    public func scope(for challenge: ResourceChallenge?, granted: String? = nil) -> String? {
        if let challenge, challenge.isInsufficientScope { return ScopeList.union(granted, challenge.scope) }
        if let scope = challenge?.scope { return scope }
        guard let scopes = resourceScopes, !scopes.isEmpty else { return nil }
        return scopes.joined(separator: " ")
    }

    /// The client configuration for the registered client: the server's
    /// endpoints and issuer, bound to the resource, with `scope`.
    public func configuration(clientID: String, redirectURI: String, scope: String?,
                              settingsOf current: ClientConfiguration) throws(PKCEError) -> ClientConfiguration {
        var client = try server.withClientID(clientID, redirectURI: redirectURI)
        try client.setResource(resource)
        client.setScope(scope)
        try client.adoptDPoP(of: current)
        if requiresDPoP, client.dpopKey == nil {
            current.log?(.info, "resource: it takes only DPoP-bound tokens; signing in with a new DPoP key")
            try client.useDPoP(algorithm: nil)
        }
        return client
    }

    /// The registration request for a public client (RFC 7591).
    public func registrationRequest(redirectURI: String, clientName: String, scope: String?) throws(PKCEError) -> HTTPRequest {
        try ClientRegistration.request(server, redirectURI: redirectURI, clientName: clientName, scope: scope)
    }

    /// A metadata document URL as the client id (checked against the server's metadata).
    public func metadataDocumentClient(_ url: String, redirectURI: String) throws(PKCEError) -> ClientRegistration {
        try ClientRegistration.metadataDocument(url, for: server, redirectURI: redirectURI)
    }
}

/// The records a store keeps for the next sign-in: JSON objects, not secret.
extension DiscoveredResource {
    /// How long a kept discovery is used before it is made again (a day):
    /// servers move endpoints rarely, and a failed sign-in discovers afresh.
    public static let recordLifetime: Int64 = 86_400

    /// `{"resource":...,"issuer":...,"scopes_supported":[...],"discovered_at":N,"server_metadata":{...}}`.
    public func record(discoveredAt: Int64) throws(PKCEError) -> [UInt8] {
        var out = try ByteWriter(capacity: serverMetadata.count + 512)
        out.append("{\"resource\":")
        out.appendJSONString(resource)
        out.append(",\"issuer\":")
        out.appendJSONString(issuer)
        if let resourceScopes {
            out.append(",\"scopes_supported\":[")
            for (i, scope) in resourceScopes.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.appendJSONString(scope)
            }
            out.append(UInt8(ascii: "]"))
        }
        if requiresDPoP { out.append(",\"dpop_bound_access_tokens_required\":true") }
        out.append(",\"discovered_at\":\(discoveredAt),\"server_metadata\":")
        serverMetadata.withUnsafeBufferPointer { out.append($0) }
        out.append(UInt8(ascii: "}"))
        return try out.finish().withBytes { Array($0) }
    }

    /// A kept discovery, checked again as when it was made; nil when it is
    /// older than `recordLifetime` at `now`.
    public init?(record: UnsafeBufferPointer<UInt8>, now: Int64) throws(PKCEError) {
        let invalid = PKCEError(.store, "a kept resource discovery is malformed")
        guard let document = try? JSONDocument(parsing: record), document.nodes[document.root].kind == .object,
              let resource = try document.stringMember("resource", wrongType: invalid)?.string,
              let issuer = try document.stringMember("issuer", wrongType: invalid)?.string,
              let at = document.member("discovered_at"), let discoveredAt = Int64(String(decoding: document.text(at), as: UTF8.self)),
              let metadata = document.member("server_metadata"), document.nodes[metadata].kind == .object
        else { throw invalid }
        guard now - discoveredAt < Self.recordLifetime, discoveredAt <= now else { return nil }
        let dpop = document.member("dpop_bound_access_tokens_required").map { document.nodes[$0].kind == .true } ?? false
        try self.init(resource: resource, issuer: issuer,
                      resourceScopes: try document.stringArrayMember("scopes_supported", wrongType: invalid),
                      requiresDPoP: dpop, serverMetadata: document.text(metadata))
    }
}

extension ClientRegistration {
    /// `{"issuer":...,"client_id":...,"redirect_uri":...,"scope":...}`.
    public func record() throws(PKCEError) -> [UInt8] {
        var out = try ByteWriter(capacity: 256 + clientID.utf8.count)
        out.append("{\"issuer\":")
        out.appendJSONString(issuer)
        out.append(",\"client_id\":")
        out.appendJSONString(clientID)
        out.append(",\"redirect_uri\":")
        out.appendJSONString(redirectURI)
        if let scope {
            out.append(",\"scope\":")
            out.appendJSONString(scope)
        }
        out.append(UInt8(ascii: "}"))
        return try out.finish().withBytes { Array($0) }
    }

    public init(record: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        let invalid = PKCEError(.store, "a kept client registration is malformed")
        guard let document = try? JSONDocument(parsing: record), document.nodes[document.root].kind == .object,
              let issuer = try document.stringMember("issuer", wrongType: invalid)?.string,
              let clientID = try document.stringMember("client_id", wrongType: invalid)?.string,
              let redirectURI = try document.stringMember("redirect_uri", wrongType: invalid)?.string
        else { throw invalid }
        try self.init(issuer: issuer, clientID: clientID, redirectURI: redirectURI,
                      scope: try document.stringMember("scope", wrongType: invalid)?.string)
    }
}
