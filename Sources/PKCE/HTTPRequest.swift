/// An HTTP request for the caller to send with any HTTP stack (sans-I/O).
/// The body holds secrets (code, verifier, refresh token) and is wiped when
/// the request is released.
public final class HTTPRequest: @unchecked Sendable {
    public struct Header: Sendable {
        public let name: StaticString
        public let value: StaticString
        /// "Name: value", as a header list carries it.
        package var line: String { "\(name): \(value)" }
    }

    /// The few shapes of request the library makes; each has fixed method and headers,
    /// which lets the transport prepare them once.
    package enum Kind: Int, CaseIterable {
        case formPost, jsonPost, get
        /// A request to a protected resource (`resource(...)`): the caller's
        /// method, headers and body, and a token.
        case resourceGet, resourcePost, resourcePut, resourcePatch, resourceDelete

        package var method: StaticString {
            switch self {
            case .get, .resourceGet: "GET"
            case .formPost, .jsonPost, .resourcePost: "POST"
            case .resourcePut: "PUT"
            case .resourcePatch: "PATCH"
            case .resourceDelete: "DELETE"
            }
        }

        /// Whether the transport sends the body (a GET has none).
        package var hasBody: Bool { self != .get && self != .resourceGet }

        /// Whether the method is one libcurl sends as a POST under another name.
        package var renamesPOST: Bool { self == .resourcePut || self == .resourcePatch || self == .resourceDelete }

        /// How the body is written; nil for a body the library does not build.
        var bodyFormat: RequestBodyFormat? {
            switch self {
            case .formPost: .form
            case .jsonPost: .json
            default: nil
            }
        }

        package var headers: [Header] {
            switch self {
            case .formPost: Self.formHeaders
            case .jsonPost: Self.jsonHeaders
            case .get: Self.getHeaders
            default: []
            }
        }

        /// The form body's type, which libcurl also writes itself for a POST with no Content-Type.
        package static let formContentType = Header(name: "Content-Type", value: "application/x-www-form-urlencoded")
        private static let formHeaders = [formContentType, Header(name: "Accept", value: "application/json")]
        private static let jsonHeaders = [Header(name: "Content-Type", value: "application/json"),
                                          Header(name: "Accept", value: "application/json")]
        private static let getHeaders = [Header(name: "Accept", value: "application/json")]
    }

    package let kind: Kind
    package let urlBytes: SecureBytes
    public var body: SecureBytes { storedBody }
    /// Headers after the kind's fixed ones: `Authorization: Bearer <token>`
    /// for UserInfo, and whatever the caller added. Values may be secrets;
    /// they are wiped with the request.
    public var extraHeaders: [(name: SecureBytes, value: SecureBytes)] { storedExtraHeaders }
    /// The refresh token a refresh request sends: its answer keeps it when
    /// the server sends no new one.
    package internal(set) var refreshToken: SecureBytes? {
        get { storedRefreshToken }
        set { storedRefreshToken = newValue }
    }
    /// The DPoP key whose proof the request carries (`DPoP` header), the
    /// access token its `ath` hashes, and whether it was already sent again
    /// with a nonce the server asked for (see `handleDPoPAnswer`).
    public internal(set) var dpopKey: DPoPKey? {
        get { storedDPoPKey }
        set { storedDPoPKey = newValue }
    }
    // What the four properties above hold: read on every exchange, changed
    // only while the request is built, by one thread, so with no run-time
    // exclusivity checks (they were a twentieth of the library's own work
    // on an exchange). `@exclusivity(unchecked)` covers only the accesses
    // compiled in this module: the transport, in another, reads through the
    // accessors above, which are, where a stored property's direct reads
    // were checked again.
    @exclusivity(unchecked) private var storedBody: SecureBytes
    @exclusivity(unchecked) private var storedExtraHeaders: [(name: SecureBytes, value: SecureBytes)] = []
    @exclusivity(unchecked) private var storedRefreshToken: SecureBytes?
    @exclusivity(unchecked) private var storedDPoPKey: DPoPKey?
    var dpopAccessToken: SecureBytes?
    var resentWithNonce = false
    /// Whether the caller added a `User-Agent` of its own, which then replaces the library's.
    package var namesUserAgent: Bool {
        extraHeaders.contains { $0.name.buffer.sameBytes(ignoringASCIICase: "user-agent") }
    }

    convenience init(_ kind: Kind, url: String, body: SecureBytes) throws(PKCEError) {
        try self.init(kind, urlBytes: SecureBytes(url), body: body)
    }

    /// `urlBytes` is only read, so an endpoint's may be shared.
    init(_ kind: Kind, urlBytes: SecureBytes, body: SecureBytes) {
        self.kind = kind
        self.urlBytes = urlBytes
        storedBody = body
    }

    public var method: StaticString { kind.method }
    public var headers: [Header] { kind.headers }
    public var url: String { urlBytes.string }
    /// How many headers there are in all: the fixed ones, then the extra ones.
    public var headerCount: Int { kind.headers.count + extraHeaders.count }

    /// Adds a body field the library does not set, such as WorkOS's
    /// `ip_address` or `organization_id` on a refresh: form-encoded or
    /// JSON-escaped like the others. A name already in the body is
    /// `.parameterReserved` (the grant's own fields cannot be replaced);
    /// a GET has no body.
    public func addField(_ name: String, _ value: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        guard let format = kind.bodyFormat else { throw PKCEError(.invalidArgument, "a GET request has no body to add a field to") }
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
            throw PKCEError(.invalidArgument, "a body field name is empty or holds a control character")
        }
        guard UTF8Validation.isValid(value) else { throw PKCEError(.invalidArgument, "a body field value is not UTF-8") }
        let present = fieldNames
        guard !present.contains(name) else {
            throw PKCEError(.parameterReserved, "the request already has the field '\(PKCEError.printable(name))'")
        }
        var builder = try RequestBodyBuilder(continuing: body, format, fields: present.count)
        builder.add(name, value)
        storedBody = try builder.finish()
    }

    /// The headers libcurl sets; an extra one of these names, or of one the kind sets, is refused.
    private static let ownHeaderNames: Set<String> = ["content-length", "host", "expect", "transfer-encoding", "connection"]

    /// Adds a header, such as `Authorization: Bearer <access token>` for a
    /// server that wants it on revocation. The name must be an RFC 9110
    /// token, not one the library sets and not one already added; the value
    /// must hold no control character but tab.
    public func addHeader(_ name: String, _ value: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        guard !name.isEmpty, name.utf8.allSatisfy({ Self.tokenSymbols.contains($0) || Self.isAlphanumeric($0) }) else {
            throw PKCEError(.invalidArgument, "a header name is empty or not an RFC 9110 token")
        }
        let lowered = name.lowercased()
        guard !Self.ownHeaderNames.contains(lowered), !kind.headers.contains(where: { "\($0.name)".lowercased() == lowered }),
              !extraHeaders.contains(where: { $0.name.string.lowercased() == lowered }) else {
            throw PKCEError(.parameterReserved, "the request already has a '\(PKCEError.printable(name))' header")
        }
        guard value.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else {
            throw PKCEError(.invalidArgument, "a header value holds a control character")
        }
        storedExtraHeaders.append((try SecureBytes(name), try SecureBytes(value)))
    }

    /// Sets the `DPoP` header (a proof), replacing any other of that name.
    func setProofHeader(_ proof: SecureBytes) throws(PKCEError) {
        storedExtraHeaders.removeAll { $0.name.buffer.sameBytes(ignoringASCIICase: "dpop") }
        storedExtraHeaders.append((try SecureBytes("DPoP"), proof))
    }

    /// RFC 9110 5.6.2's tchar, besides letters and digits.
    private static let tokenSymbols = Set("!#$%&'*+-.^_`|~".utf8)

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// The names of the body's fields, as sent.
    package var fieldNames: [String] { bodyFields.map(\.name) }

    /// A POST of a token, refresh or revocation body (RFC 6749 4.1.3, 6; RFC 7009 2.1).
    static func post(to endpoint: Endpoint, body: consuming RequestBodyBuilder) throws(PKCEError) -> HTTPRequest {
        try HTTPRequest(body.format == .json ? .jsonPost : .formPost, urlBytes: endpoint.bytes, body: body.finish())
    }

    /// A GET for JSON, such as server metadata (RFC 8414).
    package static func get(_ url: String) throws(PKCEError) -> HTTPRequest {
        try HTTPRequest(.get, url: url, body: SecureBytes(""))
    }

    /// The methods `resource` sends.
    public static let resourceMethods: [String] = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    /// A request to a protected resource with the caller's method and body;
    /// the headers (Content-Type, Accept, ...) are the caller's to add, and
    /// a token source adds the token. A GET takes no body.
    public static func resource(method: String, url: String, body: UnsafeBufferPointer<UInt8>) throws(PKCEError) -> HTTPRequest {
        let kinds: [Kind] = [.resourceGet, .resourcePost, .resourcePut, .resourcePatch, .resourceDelete]
        guard let index = resourceMethods.firstIndex(of: method) else {
            throw PKCEError(.invalidArgument, "method '\(PKCEError.printable(method))' is not one of \(resourceMethods.joined(separator: ", "))")
        }
        guard kinds[index].hasBody || body.isEmpty else { throw PKCEError(.invalidArgument, "a GET request has no body") }
        _ = try URLRules.endpoint(url)
        return try HTTPRequest(kinds[index], url: url, body: SecureBytes(body))
    }

    /// A GET for JSON that presents an access token, such as UserInfo:
    /// `Authorization: Bearer <token>` (RFC 6750 2.1), or, for a token bound
    /// to `dpop`, `Authorization: DPoP <token>` and a proof with its hash
    /// (RFC 9449 7.1).
    package static func get(_ endpoint: Endpoint, accessToken token: UnsafeBufferPointer<UInt8>,
                            dpop: DPoPKey?) throws(PKCEError) -> HTTPRequest {
        let request = try HTTPRequest(.get, urlBytes: endpoint.bytes, body: SecureBytes(""))
        try request.present(token, dpop: dpop)
        return request
    }

    /// Adds the token's `Authorization` header, and with `dpop` the proof.
    package func present(_ token: UnsafeBufferPointer<UInt8>, dpop: DPoPKey?) throws(PKCEError) {
        var value = try ByteWriter(capacity: token.count + 8)
        value.append(dpop == nil ? "Bearer " : "DPoP ")
        value.append(token)
        try value.finish().withBytes { (bytes) throws(PKCEError) in try addHeader("Authorization", bytes) }
        if let dpop { try attachProof(dpop, accessToken: SecureBytes(token)) }
    }
}
