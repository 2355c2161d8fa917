/// What every JSON answer from a token or revocation endpoint goes
/// through before its own fields are read: the size and status envelope,
/// the JSON document, and the OAuth error (RFC 6749 5.2) it may carry.
package enum ServerAnswer {
    /// What can be refused before the body is copied or read.
    static func checkEnvelope(httpStatus: Int, size: Int) throws(PKCEError) {
        guard (100...599).contains(httpStatus) else { throw PKCEError(.invalidArgument, "HTTP status \(httpStatus) is not in 100..599") }
        guard size <= HTTPResponse.maxBodyBytes else {
            throw PKCEError(.responseTooLarge, "response body exceeds \(HTTPResponse.maxBodyBytes) bytes", httpStatus: httpStatus)
        }
    }

    /// The body as a JSON object. An `error` member makes it the OAuth error
    /// it carries, whatever the status (some servers send errors with 200: the
    /// safe reading). A body that is not a JSON object is a malformed answer
    /// on success, and an HTTP status error otherwise.
    static func document(httpStatus: Int, body: SecureBytes) throws(PKCEError) -> JSONDocument {
        try checkEnvelope(httpStatus: httpStatus, size: body.count)
        let success = (200...299).contains(httpStatus)
        let document: JSONDocument
        do {
            document = try JSONDocument(parsing: body.buffer)
        } catch {
            if !success { throw PKCEError(.httpStatus, "HTTP status \(httpStatus) with a body that is not JSON", httpStatus: httpStatus) }
            throw PKCEError(.responseMalformed, "response is not well-formed JSON: \(error.reason)", httpStatus: httpStatus)
        }
        guard document.nodes[document.root].kind == .object else {
            if !success { throw PKCEError(.httpStatus, "HTTP status \(httpStatus) with a body that is not a JSON object", httpStatus: httpStatus) }
            throw PKCEError(.responseInvalid, "response is not a JSON object", httpStatus: httpStatus)
        }
        if let error = try stringMember("error", of: document, httpStatus: httpStatus) {
            let detail = PKCEError.OAuthDetail(error: error.string,
                                               description: try? stringMember("error_description", of: document, httpStatus: httpStatus)?.string,
                                               uri: try? stringMember("error_uri", of: document, httpStatus: httpStatus)?.string)
            throw PKCEError(.oauth, "the server answered \(PKCEError.printable(detail.error))", oauth: detail, httpStatus: httpStatus)
        }
        return document
    }

    /// The error for an answer whose status is not 2xx and whose body carries no OAuth error.
    static func unsuccessful(_ httpStatus: Int) -> PKCEError {
        PKCEError(.httpStatus, "HTTP status \(httpStatus) without an OAuth error", httpStatus: httpStatus)
    }

    static func stringMember(_ name: String, of document: JSONDocument, httpStatus: Int) throws(PKCEError) -> SecureBytes? {
        try document.stringMember(name, wrongType: PKCEError(
            .responseInvalid, "\(PKCEError.printable(name)) is not a string without NUL characters", httpStatus: httpStatus))
    }

    /// A number of seconds (`expires_in`, `interval`): a non-negative integer,
    /// also accepted as a string of digits; nil when absent or null. Anything
    /// else is refused: a time we cannot read is not guessed.
    static func secondsMember(_ name: String, of document: JSONDocument, httpStatus: Int) throws(PKCEError) -> Int64? {
        guard let index = document.member(name) else { return nil }
        let node = document.nodes[index]
        let digits: UnsafeBufferPointer<UInt8>
        switch node.kind {
        case .null: return nil
        case .number: digits = document.text(index)
        case .string where !node.escaped: digits = UnsafeBufferPointer(rebasing: document.text(index).dropFirst().dropLast())
        default: throw PKCEError(.responseInvalid, "\(name) is neither a number nor a string of digits", httpStatus: httpStatus)
        }
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw PKCEError(.responseInvalid, "\(name) is not a non-negative integer", httpStatus: httpStatus)
        }
        return digits.reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
    }

    /// A token revocation answer (RFC 7009 2.2): any 2xx is success, whatever
    /// the body; otherwise the OAuth error or HTTP status it carries.
    package static func checkRevocation(_ response: HTTPResponse) throws(PKCEError) {
        guard !(200...299).contains(response.status) else { return }
        _ = try document(httpStatus: response.status, body: response.body)  // throws the OAuth error, if any
        throw unsuccessful(response.status)
    }
}
