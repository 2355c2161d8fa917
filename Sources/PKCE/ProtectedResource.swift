/// A protected resource (RFC 9728) and the identifier its tokens are bound
/// to (RFC 8707), sans-I/O: its canonical URI, where its metadata is, and
/// what that metadata may say.
public enum ProtectedResource {
    /// The canonical URI of a resource server (RFC 8707 2, as the MCP
    /// specification asks): https (http on loopback), scheme and host in
    /// lower case, no fragment, no trailing slash. The port and path stay
    /// as given: they tell resources apart.
    public static func canonicalURI(_ url: String) throws(PKCEError) -> String {
        _ = try URLRules.endpoint(url)
        let bytes = Substring(url).utf8
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
              bytes[bytes.index(after: colon)...].starts(with: "//".utf8) else {
            throw PKCEError(.urlInvalid, "a resource URI has a host")
        }
        let afterScheme = bytes.index(colon, offsetBy: 3)
        let authorityEnd = bytes[afterScheme...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? bytes.endIndex
        var rest = Substring(bytes[authorityEnd...])
        if !rest.contains("?") { while rest.hasSuffix("/") { rest = rest.dropLast() } }
        return Substring(bytes[..<authorityEnd]).lowercased() + rest
    }

    /// Where the metadata of `resource` may be, in the order to try (RFC
    /// 9728 3.1; MCP): `resource_metadata` from its challenge alone when
    /// there is one; else the well-known URI with the resource's path
    /// inserted, then the one at the root.
    public static func metadataURLs(resource: String, challenge: ResourceChallenge? = nil) throws(PKCEError) -> [String] {
        if let url = challenge?.resourceMetadata { return [url] }
        let (origin, path) = try split(canonicalURI(resource))
        let root = String(origin) + "/.well-known/oauth-protected-resource"
        return path.isEmpty ? [root] : [root + path, root]
    }

    /// "scheme://host:port" and the path without its query.
    private static func split(_ canonical: String) throws(PKCEError) -> (origin: Substring, path: Substring) {
        let bytes = Substring(canonical).utf8
        let afterScheme = bytes.index(bytes.firstIndex(of: UInt8(ascii: ":"))!, offsetBy: 3)
        let pathStart = bytes[afterScheme...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? bytes.endIndex
        let pathEnd = bytes[pathStart...].firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        var path = Substring(bytes[pathStart..<pathEnd])
        while path.hasSuffix("/") { path = path.dropLast() }
        return (Substring(bytes[..<pathStart]), path)
    }

    /// Whether a token for `resource` may go to `url`: the same origin, and
    /// `url`'s path is the resource's path or below it (segment by segment:
    /// a token for /api never goes to /api2).
    public static func covers(_ resource: String, _ url: String) -> Bool {
        do {
            let (origin, path) = try split(canonicalURI(resource))
            let (otherOrigin, otherPath) = try split(canonicalURI(url))
            guard origin == otherOrigin else { return false }
            return path.isEmpty || otherPath == path || otherPath.hasPrefix(path + "/")
        } catch {
            return false
        }
    }
}

/// A protected resource's metadata document (RFC 9728 2), checked as
/// section 3.3 asks: it must be about the resource the client asked for.
public struct ProtectedResourceMetadata: Sendable {
    /// The resource identifier the document names, canonical: the `resource`
    /// the client sends (RFC 8707) and files its tokens under.
    public let resource: String
    /// The issuers that may issue tokens for it, in the document's order.
    public let authorizationServers: [String]
    public let scopesSupported: [String]?
    public let resourceName: String?
    /// `dpop_bound_access_tokens_required`: the resource takes only DPoP-bound tokens.
    public let requiresDPoP: Bool

    /// Parses and checks the document fetched for `requested` (a resource
    /// URL). Its `resource` must be the requested resource or one above it on
    /// the same origin (a server at /mcp may describe itself as the whole
    /// host): anything else is `.resourceMismatch`, and nothing from the
    /// document is used.
    public init(json: UnsafeBufferPointer<UInt8>, requested: String) throws(PKCEError) {
        guard json.count <= HTTPResponse.maxBodyBytes else { throw PKCEError(.responseTooLarge) }
        let document: JSONDocument
        do { document = try JSONDocument(parsing: json) } catch {
            throw PKCEError(.responseMalformed, "resource metadata is not well-formed JSON: \(error.reason)")
        }
        guard document.nodes[document.root].kind == .object else {
            throw PKCEError(.discovery, "resource metadata is not a JSON object")
        }
        func string(_ name: String) throws(PKCEError) -> String? {
            try document.stringMember(name, wrongType: PKCEError(.discovery, "resource metadata \(name) is not a string"))?.string
        }
        func strings(_ name: String) throws(PKCEError) -> [String]? {
            try document.stringArrayMember(name, wrongType: PKCEError(.discovery, "resource metadata \(name) is not an array"))
        }
        guard let named = try string("resource") else { throw PKCEError(.discovery, "resource metadata lacks resource") }
        let canonical: String
        do { canonical = try ProtectedResource.canonicalURI(named) } catch {
            throw PKCEError(.resourceMismatch, "resource metadata names an unusable resource: \(error.message)")
        }
        guard ProtectedResource.covers(canonical, requested) else {
            throw PKCEError(.resourceMismatch, "resource metadata is about '\(PKCEError.printable(named, limit: 200))', "
                            + "not '\(PKCEError.printable(requested, limit: 200))' that was asked for (RFC 9728 3.3)")
        }
        guard let servers = try strings("authorization_servers"), !servers.isEmpty else {
            throw PKCEError(.discovery, "resource metadata lists no authorization_servers")
        }
        if let methods = try strings("bearer_methods_supported"), !methods.isEmpty, !methods.contains("header") {
            throw PKCEError(.discovery, "the resource takes no token in the Authorization header (bearer_methods_supported)")
        }
        resource = canonical
        authorizationServers = servers
        scopesSupported = try strings("scopes_supported")
        resourceName = try string("resource_name")
        requiresDPoP = document.member("dpop_bound_access_tokens_required").map { document.nodes[$0].kind == .true } ?? false
    }

    /// The issuer to sign in with: `preferred` when the resource lists it,
    /// else the first listed that is an https URL (http on loopback).
    public func authorizationServer(preferring preferred: String? = nil) throws(PKCEError) -> String {
        if let preferred, authorizationServers.contains(preferred) { return preferred }
        for server in authorizationServers {
            if (try? URLRules.endpoint(server)) != nil, !server.utf8.contains(UInt8(ascii: "?")) { return server }
        }
        throw PKCEError(.discovery, "resource metadata lists no usable authorization server")
    }
}

/// Scopes as OAuth writes them: space-separated, each once.
public enum ScopeList {
    /// The scopes of `a`, then those of `b` it lacks: what a step-up asks
    /// for, so that the new token keeps what the old one could do.
    public static func union(_ a: String?, _ b: String?) -> String? {
        var seen: [Substring] = []
        for scope in (a ?? "").split(separator: " ") + (b ?? "").split(separator: " ") where !seen.contains(scope) {
            seen.append(scope)
        }
        return seen.isEmpty ? nil : seen.joined(separator: " ")
    }

    /// Whether every scope of `wanted` is in `granted`.
    public static func contains(_ granted: String?, _ wanted: String?) -> Bool {
        let have = Set((granted ?? "").split(separator: " "))
        return (wanted ?? "").split(separator: " ").allSatisfy(have.contains)
    }
}
