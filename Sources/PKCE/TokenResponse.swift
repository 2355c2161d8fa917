/// What a token endpoint answered (RFC 6749 5.1), parsed. Immutable; the
/// body and every token are wiped when it is released. Members no field
/// below names are read through `JSONAnswer`.
public final class TokenResponse: JSONAnswer, @unchecked Sendable {
    public let accessToken: SecureBytes
    public let tokenType: SecureBytes?
    /// The refresh token to use next: the answer's, or, after a refresh
    /// whose answer brought none, the one sent, which then stays valid
    /// (RFC 6749 6; LemonLDAP::NG and pyop answer so).
    @exclusivity(unchecked) public private(set) var refreshToken: SecureBytes?  // set once, before the answer is handed out
    public let scope: SecureBytes?
    public let idToken: SecureBytes?
    /// Seconds from issue to expiry, when the server said.
    public let expiresIn: Int64?
    /// The ID token's claims, once verified; nil when there is no ID token or
    /// it was not verified (`pkce_token_parse` alone verifies nothing).
    public package(set) var idTokenClaims: IDTokenClaims?
    /// The DPoP key of the request that brought the answer: the tokens'
    /// key from now on (nil for a request without DPoP).
    public package(set) var dpopKey: DPoPKey?

    /// Parses a token endpoint's answer; throws the OAuth error it carries, if any.
    ///
    /// Deviations seen in real servers, and what is done with them:
    /// - `error` with a 2xx status: an error (the safe reading).
    /// - `expires_in` as a string of digits: accepted; negative, fractional
    ///   or non-numeric: refused (an expiry we cannot read is not guessed).
    /// - `token_type` in any case, or absent (WorkOS): accepted as sent.
    /// - `null` for an optional field: treated as absent.
    /// - Unknown fields: kept, reachable through `JSONAnswer`'s members.
    /// - Duplicate keys, invalid UTF-8, deep nesting: refused as malformed.
    public convenience init(httpStatus: Int, body: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        try ServerAnswer.checkEnvelope(httpStatus: httpStatus, size: body.count)
        try self.init(HTTPResponse(status: httpStatus, body: SecureBytes(body)))
    }

    public convenience init(httpStatus: Int, body: String) throws(PKCEError) {
        try ServerAnswer.checkEnvelope(httpStatus: httpStatus, size: body.utf8.count)
        try self.init(HTTPResponse(status: httpStatus, body: SecureBytes(body)))
    }

    /// Parses an answer already held in wiped memory, such as the transport's.
    package init(_ response: HTTPResponse) throws(PKCEError) {
        var fields = Fields()
        let document = try ServerAnswer.successfulDocument(response) { document in
            fields = Fields(document)
            return fields.error
        }
        let httpStatus = response.status
        func optionalString(_ index: Int?, _ name: String) throws(PKCEError) -> SecureBytes? {
            try ServerAnswer.stringValue(index, named: name, of: document, httpStatus: httpStatus)
        }
        guard let accessToken = try optionalString(fields.accessToken, "access_token"), accessToken.count > 0 else {
            throw PKCEError(.responseInvalid, "response has no access_token", httpStatus: httpStatus)
        }
        self.accessToken = accessToken
        tokenType = try optionalString(fields.tokenType, "token_type")
        refreshToken = try optionalString(fields.refreshToken, "refresh_token")
        scope = try optionalString(fields.scope, "scope")
        idToken = try optionalString(fields.idToken, "id_token")
        expiresIn = try ServerAnswer.secondsValue(fields.expiresIn, named: "expires_in", of: document, httpStatus: httpStatus)
        super.init(response, document: document)
    }

    /// The value nodes of the fields above, and of `error`, found in one pass over the answer.
    private struct Fields {
        var accessToken, tokenType, refreshToken, scope, idToken, expiresIn, error: Int?

        init() {}

        init(_ document: JSONDocument) {
            document.forEachMember { name, value in
                func named(_ field: StaticString) -> Bool {
                    name.sameBytes(as: UnsafeBufferPointer(start: field.utf8Start, count: field.utf8CodeUnitCount))
                }
                if named("access_token") { accessToken = value }
                else if named("token_type") { tokenType = value }
                else if named("refresh_token") { refreshToken = value }
                else if named("scope") { scope = value }
                else if named("id_token") { idToken = value }
                else if named("expires_in") { expiresIn = value }
                else if named("error") { error = value }
            }
        }
    }

    /// After a refresh: keeps `sent` as the refresh token when the answer brought none.
    package func keepRefreshToken(_ sent: SecureBytes) {
        if refreshToken == nil { refreshToken = sent }
    }
}
