/// What a token endpoint answered (RFC 6749 5.1), parsed. Immutable; the
/// body and every token are wiped when it is released.
public final class TokenResponse: @unchecked Sendable {
    /// The body as received: valid UTF-8 JSON.
    public let body: SecureBytes
    private let document: JSONDocument
    public let accessToken: SecureBytes
    public let tokenType: SecureBytes?
    public let refreshToken: SecureBytes?
    public let scope: SecureBytes?
    public let idToken: SecureBytes?
    /// Seconds from issue to expiry, when the server said.
    public let expiresIn: Int64?
    /// The ID token's claims, once verified; nil when there is no ID token or
    /// it was not verified (`pkce_token_parse` alone verifies nothing).
    public package(set) var idTokenClaims: IDTokenClaims?
    public let httpStatus: Int

    /// Parses a token endpoint's answer; throws the OAuth error it carries, if any.
    ///
    /// Deviations seen in real servers, and what is done with them:
    /// - `error` with a 2xx status: an error (the safe reading).
    /// - `expires_in` as a string of digits: accepted; negative, fractional
    ///   or non-numeric: refused (an expiry we cannot read is not guessed).
    /// - `token_type` in any case, or absent (WorkOS): accepted as sent.
    /// - `null` for an optional field: treated as absent.
    /// - Unknown fields: kept, reachable through `member`.
    /// - Duplicate keys, invalid UTF-8, deep nesting: refused as malformed.
    public convenience init(httpStatus: Int, body: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        try ServerAnswer.checkEnvelope(httpStatus: httpStatus, size: body.count)
        try self.init(httpStatus: httpStatus, stored: SecureBytes(body))
    }

    public convenience init(httpStatus: Int, body: String) throws(PKCEError) {
        try ServerAnswer.checkEnvelope(httpStatus: httpStatus, size: body.utf8.count)
        try self.init(httpStatus: httpStatus, stored: SecureBytes(body))
    }

    /// Parses an answer already held in wiped memory, such as the transport's.
    package convenience init(_ response: HTTPResponse) throws(PKCEError) {
        try self.init(httpStatus: response.status, stored: response.body)
    }

    private init(httpStatus: Int, stored: SecureBytes) throws(PKCEError) {
        let document = try ServerAnswer.document(httpStatus: httpStatus, body: stored)
        guard (200...299).contains(httpStatus) else { throw ServerAnswer.unsuccessful(httpStatus) }
        func optionalString(_ name: String) throws(PKCEError) -> SecureBytes? {
            try ServerAnswer.stringMember(name, of: document, httpStatus: httpStatus)
        }
        guard let accessToken = try optionalString("access_token"), accessToken.count > 0 else {
            throw PKCEError(.responseInvalid, "response has no access_token", httpStatus: httpStatus)
        }
        self.body = stored
        self.document = document
        self.accessToken = accessToken
        self.httpStatus = httpStatus
        tokenType = try optionalString("token_type")
        refreshToken = try optionalString("refresh_token")
        scope = try optionalString("scope")
        idToken = try optionalString("id_token")
        expiresIn = try ServerAnswer.secondsMember("expires_in", of: document, httpStatus: httpStatus)
    }

    /// The JSON text of top-level member `name` (an object, a quoted string, ...), as received.
    public func memberJSON(_ name: String) -> UnsafeBufferPointer<UInt8>? {
        document.member(name).map { document.text($0) }
    }

    /// The unescaped value of top-level string member `name`; nil when absent or null.
    public func memberString(_ name: String) throws(PKCEError) -> SecureBytes? {
        try ServerAnswer.stringMember(name, of: document, httpStatus: httpStatus)
    }

    // RFC 6901 JSON Pointers into the whole answer, e.g. "/user/email" or
    // "/organizations/0/id". nil: nothing there (or null); a value of another
    // type is `.responseInvalid`; a malformed pointer `.invalidArgument`.

    public func string(at pointer: String) throws(PKCEError) -> SecureBytes? {
        try document.string(at: pointer, httpStatus: httpStatus)
    }

    public func integer(at pointer: String) throws(PKCEError) -> Int64? {
        try document.integer(at: pointer, httpStatus: httpStatus)
    }

    public func boolean(at pointer: String) throws(PKCEError) -> Bool? {
        try document.boolean(at: pointer, httpStatus: httpStatus)
    }

    /// The JSON text `pointer` names, exactly as received (null is "null").
    public func json(at pointer: String) throws(PKCEError) -> UnsafeBufferPointer<UInt8>? {
        try document.node(at: pointer).map { document.text($0) }
    }
}
