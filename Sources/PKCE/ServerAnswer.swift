/// What every JSON answer from a token or revocation endpoint goes
/// through before its own fields are read: the size and status envelope,
/// the JSON document, and the OAuth error (RFC 6749 5.2) it may carry.
package enum ServerAnswer {
    /// What can be refused before the body is copied or read.
    package static func checkEnvelope(httpStatus: Int, size: Int) throws(PKCEError) {
        guard (100...599).contains(httpStatus) else { throw PKCEError(.invalidArgument, "HTTP status \(httpStatus) is not in 100..599") }
        guard size <= HTTPResponse.maxBodyBytes else {
            throw PKCEError(.responseTooLarge, "response body exceeds \(HTTPResponse.maxBodyBytes) bytes", httpStatus: httpStatus)
        }
    }

    /// The body of a successful answer as a JSON object. Otherwise the
    /// error it is, carrying the whole answer (`PKCEError.answer`):
    /// - an `error` member, whatever the status (some servers send errors with
    ///   200: the safe reading): `.oauth` with its fields (RFC 6749 5.2);
    /// - a non-2xx JSON object with WorkOS's `code` (and `message`) instead:
    ///   `.oauth` with those as error and description;
    /// - any other non-2xx: `.httpStatus`;
    /// - a 2xx body that is empty, not JSON or not an object: malformed or invalid.
    static func successfulDocument(_ response: HTTPResponse) throws(PKCEError) -> JSONDocument {
        try successfulDocument(response) { $0.member("error") }
    }

    /// `successfulDocument` for a reader that walks the object's members in
    /// a pass of its own: `findError` makes that pass and returns the node of
    /// the `error` member it met (nil: none), so that no second walk looks
    /// for it (a token answer's lookup was a tenth of reading it).
    static func successfulDocument(_ response: HTTPResponse, findError: (JSONDocument) -> Int?) throws(PKCEError) -> JSONDocument {
        let httpStatus = response.status
        try checkEnvelope(httpStatus: httpStatus, size: response.body.count)
        let success = (200...299).contains(httpStatus)
        func failure(_ code: PKCEError.Code, _ message: String, _ document: JSONDocument? = nil,
                     oauth: PKCEError.OAuthDetail? = nil) -> PKCEError {
            PKCEError(code, message, oauth: oauth, httpStatus: httpStatus, answer: JSONAnswer(response, document: document))
        }
        guard response.body.count > 0 else {
            throw success ? failure(.responseMalformed, "the answer's body is empty")
                          : failure(.httpStatus, "HTTP status \(httpStatus) with an empty body")
        }
        let document: JSONDocument
        do {
            document = try JSONDocument(parsing: response.body.buffer)
        } catch {
            throw success ? failure(.responseMalformed, "response is not well-formed JSON: \(error.reason)")
                          : failure(.httpStatus, "HTTP status \(httpStatus) with a body that is not JSON")
        }
        guard document.nodes[document.root].kind == .object else {
            throw success ? failure(.responseInvalid, "response is not a JSON object")
                          : failure(.httpStatus, "HTTP status \(httpStatus) with a body that is not a JSON object")
        }
        // A member of the wrong type is left out (a non-2xx answer whose `error`
        // is not a string, as Google's APIs send an object, is still that
        // status's error, not a malformed answer); running out of memory is not.
        func text(_ name: String, at index: Int?) throws(PKCEError) -> String? {
            do { return try stringValue(index, named: name, of: document, httpStatus: httpStatus)?.string } catch {
                guard error.code == .responseInvalid else { throw error }
                return nil
            }
        }
        func text(_ name: String) throws(PKCEError) -> String? { try text(name, at: document.member(name)) }
        let errorIndex = findError(document)
        let error = success ? try stringValue(errorIndex, named: "error", of: document, httpStatus: httpStatus)?.string
                            : try text("error", at: errorIndex)
        if let error {
            let detail = PKCEError.OAuthDetail(error: error, description: try text("error_description"), uri: try text("error_uri"))
            throw failure(.oauth, "the server answered \(PKCEError.printable(detail.error))", document, oauth: detail)
        }
        guard success else {
            if let code = try text("code") {
                let detail = PKCEError.OAuthDetail(error: code, description: try text("message"), uri: nil)
                throw failure(.oauth, "the server answered \(PKCEError.printable(code)) (HTTP \(httpStatus))", document, oauth: detail)
            }
            throw failure(.httpStatus, "HTTP status \(httpStatus) without an OAuth error", document)
        }
        return document
    }

    static func stringMember(_ name: String, of document: JSONDocument, httpStatus: Int) throws(PKCEError) -> SecureBytes? {
        try stringValue(document.member(name), named: name, of: document, httpStatus: httpStatus)
    }

    /// `stringMember` for a value node already found (nil: absent).
    static func stringValue(_ index: Int?, named name: String, of document: JSONDocument,
                            httpStatus: Int) throws(PKCEError) -> SecureBytes? {
        try document.stringValue(index, wrongType: PKCEError(
            .responseInvalid, "\(PKCEError.printable(name)) is not a string without NUL characters", httpStatus: httpStatus))
    }

    /// A number of seconds (`expires_in`, `interval`): a non-negative integer,
    /// also accepted as a string of digits; nil when absent or null. Anything
    /// else is refused: a time we cannot read is not guessed.
    static func secondsMember(_ name: String, of document: JSONDocument, httpStatus: Int) throws(PKCEError) -> Int64? {
        try secondsValue(document.member(name), named: name, of: document, httpStatus: httpStatus)
    }

    /// `secondsMember` for a value node already found (nil: absent).
    static func secondsValue(_ index: Int?, named name: String, of document: JSONDocument,
                             httpStatus: Int) throws(PKCEError) -> Int64? {
        guard let index else { return nil }
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
    /// the body; otherwise the error it carries.
    package static func checkRevocation(_ response: HTTPResponse) throws(PKCEError) {
        guard !(200...299).contains(response.status) else { return }
        _ = try successfulDocument(response)
    }
}
