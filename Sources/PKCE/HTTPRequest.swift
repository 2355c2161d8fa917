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

    /// A form POST to a token endpoint (RFC 6749 4.1.3, 6).
    static func formPost(to endpoint: Endpoint, body: SecureBytes) -> HTTPRequest {
        HTTPRequest(method: "POST", url: endpoint.url, headers: [
            Header(name: "Content-Type", value: "application/x-www-form-urlencoded"),
            Header(name: "Accept", value: "application/json"),
        ], body: body)
    }
}
