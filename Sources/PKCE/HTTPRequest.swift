/// An HTTP request for the caller to send with any HTTP stack (sans-I/O).
/// The body holds secrets (code, verifier, refresh token) and is wiped when
/// the request is released.
public final class HTTPRequest: @unchecked Sendable {
    public struct Header: Sendable {
        public let name: StaticString
        public let value: StaticString
    }

    /// The few shapes of request the library makes; each has fixed method and headers,
    /// which lets the transport prepare them once.
    package enum Kind: Int, CaseIterable {
        case formPost, jsonPost, get

        package var method: StaticString { self == .get ? "GET" : "POST" }

        package var headers: [Header] {
            switch self {
            case .formPost: Self.formHeaders
            case .jsonPost: Self.jsonHeaders
            case .get: Self.getHeaders
            }
        }

        private static let formHeaders = [Header(name: "Content-Type", value: "application/x-www-form-urlencoded"),
                                          Header(name: "Accept", value: "application/json")]
        private static let jsonHeaders = [Header(name: "Content-Type", value: "application/json"),
                                          Header(name: "Accept", value: "application/json")]
        private static let getHeaders = [Header(name: "Accept", value: "application/json")]
    }

    package let kind: Kind
    package let urlBytes: SecureBytes
    public let body: SecureBytes
    /// An `Authorization` header value that holds a secret (`Bearer <access
    /// token>`), sent by the built-in transport only; wiped with the request.
    package let authorization: SecureBytes?

    init(_ kind: Kind, url: String, body: SecureBytes, authorization: SecureBytes? = nil) throws(PKCEError) {
        self.kind = kind
        self.urlBytes = try SecureBytes(url)
        self.body = body
        self.authorization = authorization
    }

    public var method: StaticString { kind.method }
    public var headers: [Header] { kind.headers }
    public var url: String { urlBytes.string }

    /// A POST of a token, refresh or revocation body (RFC 6749 4.1.3, 6; RFC 7009 2.1).
    static func post(to endpoint: Endpoint, body: consuming RequestBodyBuilder) throws(PKCEError) -> HTTPRequest {
        try HTTPRequest(body.format == .json ? .jsonPost : .formPost, url: endpoint.url, body: body.finish())
    }

    /// A GET for JSON, such as server metadata (RFC 8414).
    package static func get(_ url: String) throws(PKCEError) -> HTTPRequest {
        try HTTPRequest(.get, url: url, body: SecureBytes(""))
    }

    /// A GET for JSON with `Authorization: Bearer <token>` (RFC 6750 2.1), such as UserInfo.
    package static func get(_ endpoint: Endpoint, bearer token: UnsafeBufferPointer<UInt8>) throws(PKCEError) -> HTTPRequest {
        var header = try ByteWriter(capacity: token.count + 24)
        header.append("Authorization: Bearer ")
        header.append(token)
        return try HTTPRequest(.get, url: endpoint.url, body: SecureBytes(""), authorization: header.finish())
    }
}
