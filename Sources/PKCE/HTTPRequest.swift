/// An HTTP request for the caller to send with any HTTP stack (sans-I/O).
/// The body holds secrets (code, verifier, refresh token) and is wiped when
/// the request is released.
public final class HTTPRequest: @unchecked Sendable {
    public struct Header: Sendable {
        public let name: StaticString
        public let value: StaticString
    }

    public let method: StaticString
    package let urlBytes: SecureBytes
    public let headers: [Header]
    public let body: SecureBytes

    init(method: StaticString, url: String, headers: [Header], body: SecureBytes) {
        self.method = method
        self.urlBytes = SecureBytes(url)
        self.headers = headers
        self.body = body
    }

    public var url: String { urlBytes.string }

    /// A POST of a token, refresh or revocation body (RFC 6749 4.1.3, 6; RFC 7009 2.1).
    static func post(to endpoint: Endpoint, body: consuming RequestBodyBuilder) -> HTTPRequest {
        let contentType: StaticString = body.format == .json ? "application/json" : "application/x-www-form-urlencoded"
        return HTTPRequest(method: "POST", url: endpoint.url, headers: [
            Header(name: "Content-Type", value: contentType),
            Header(name: "Accept", value: "application/json"),
        ], body: body.finish())
    }

    /// A GET for JSON, such as server metadata (RFC 8414).
    static func get(_ url: String) -> HTTPRequest {
        HTTPRequest(method: "GET", url: url, headers: [Header(name: "Accept", value: "application/json")],
                    body: SecureBytes(""))
    }
}
