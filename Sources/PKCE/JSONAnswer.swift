/// A server's answer kept whole: the body as received, in memory that is
/// wiped on release, and its JSON document when it is one, for member
/// access by name or by RFC 6901 pointer. A token response is one; so is
/// the answer an error came with (WorkOS's `pending_authentication_token`
/// rides on a 403), so an application can act on fields no standard names.
public class JSONAnswer: @unchecked Sendable {
    /// The body as received.
    public let body: SecureBytes
    /// nil when the body is not a JSON object (an HTML error page, say).
    let document: JSONDocument?
    public let httpStatus: Int
    /// The server's `X-Request-ID`, when the transport saw one: what its
    /// support desk asks for.
    public let requestID: String?

    init(_ response: HTTPResponse, document: JSONDocument?) {
        body = response.body
        self.document = document
        httpStatus = response.status
        requestID = response.requestID
    }

    /// Whether the body is a JSON object, so that members can be read.
    public var isJSON: Bool { document != nil }

    private func parsed() throws(PKCEError) -> JSONDocument {
        guard let document else { throw PKCEError(.responseMalformed, "the answer's body is not a JSON object", httpStatus: httpStatus) }
        return document
    }

    /// The JSON text of top-level member `name` (an object, a quoted string, ...), as received.
    public func memberJSON(_ name: String) throws(PKCEError) -> UnsafeBufferPointer<UInt8>? {
        let document = try parsed()
        return document.member(name).map { document.text($0) }
    }

    /// The unescaped value of top-level string member `name`; nil when absent or null.
    public func memberString(_ name: String) throws(PKCEError) -> SecureBytes? {
        try ServerAnswer.stringMember(name, of: parsed(), httpStatus: httpStatus)
    }

    // RFC 6901 JSON Pointers into the whole answer, e.g. "/user/email" or
    // "/organizations/0/id". nil: nothing there (or null); a value of another
    // type is `.responseInvalid`; a malformed pointer `.invalidArgument`.

    public func string(at pointer: String) throws(PKCEError) -> SecureBytes? {
        try parsed().string(at: pointer, httpStatus: httpStatus)
    }

    public func integer(at pointer: String) throws(PKCEError) -> Int64? {
        try parsed().integer(at: pointer, httpStatus: httpStatus)
    }

    public func boolean(at pointer: String) throws(PKCEError) -> Bool? {
        try parsed().boolean(at: pointer, httpStatus: httpStatus)
    }

    /// The JSON text `pointer` names, exactly as received (null is "null").
    public func json(at pointer: String) throws(PKCEError) -> UnsafeBufferPointer<UInt8>? {
        let document = try parsed()
        return try document.node(at: pointer).map { document.text($0) }
    }
}
