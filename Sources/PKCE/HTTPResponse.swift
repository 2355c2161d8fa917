/// What a server answered, for the parsers: the HTTP status and the body,
/// which may hold tokens and is wiped when released.
public final class HTTPResponse: Sendable {
    /// The largest body the library reads or parses (PKCE_RESPONSE_MAX_BYTES):
    /// token answers and metadata are a few KiB, so anything near this is hostile.
    public static let maxBodyBytes = 1 << 20
    /// The most header bytes (all lines together) the built-in HTTPS client
    /// takes before it stops with `.responseTooLarge`.
    public static let maxHeaderBytes = 256 << 10

    public let status: Int
    public let body: SecureBytes
    /// The Content-Type header, when the transport saw one (for the debug log).
    public let contentType: String?
    /// The X-Request-ID header, when the transport saw one, cut to what
    /// `PKCEError.printable` keeps: errors carry it for the server's support desk.
    public let requestID: String?
    /// The values of the WWW-Authenticate headers, in order: a resource's
    /// challenges (RFC 9110 11.6.1).
    public let wwwAuthenticate: [String]
    /// The DPoP-Nonce header (RFC 9449 8, 9), as sent; nil without one.
    public let dpopNonce: String?

    public init(status: Int, body: SecureBytes, contentType: String? = nil, requestID: String? = nil,
                wwwAuthenticate: [String] = [], dpopNonce: String? = nil) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.requestID = requestID.map { PKCEError.printable($0) }
        self.wwwAuthenticate = wwwAuthenticate
        self.dpopNonce = dpopNonce
    }
}
