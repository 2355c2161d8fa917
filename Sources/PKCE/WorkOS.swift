/// WorkOS User Management (https://workos.com/docs/reference/user-management):
/// an authorize endpoint as OAuth's, a JSON `authenticate` endpoint for the
/// code exchange and refresh, and a browser URL that ends a session.
extension ClientConfiguration {
    /// `{base}/user_management/authorize`, a JSON exchange at
    /// `{base}/user_management/authenticate`, and logout at
    /// `{base}/user_management/sessions/logout`.
    public mutating func useWorkOS(apiBase: String) throws(PKCEError) {
        var base = Substring(apiBase)
        while base.hasSuffix("/") { base = base.dropLast() }
        let authorize = try URLRules.endpoint(base + "/user_management/authorize")
        let authenticate = try URLRules.endpoint(base + "/user_management/authenticate")
        let logout = try URLRules.endpoint(base + "/user_management/sessions/logout")
        authorizationEndpoint = authorize
        tokenEndpoint = authenticate
        workOSLogoutEndpoint = logout
        requestBodyFormat = .json
    }

    /// The URL to open in the browser to end session `sessionID` (the access
    /// token's `sid` claim), then go to `returnTo` when given: as the WorkOS
    /// SDK's `get_logout_url` builds it.
    public func workOSLogoutURL(sessionID: String, returnTo: String?) throws(PKCEError) -> String {
        guard let endpoint = workOSLogoutEndpoint else { throw PKCEError(.notConfigured, "the client is not set up for WorkOS") }
        guard !sessionID.isEmpty else { throw PKCEError(.invalidArgument, "session_id is empty") }
        if let returnTo { try URLRules.redirectURI(returnTo) }
        var url = try ByteWriter(capacity: endpoint.url.utf8.count + sessionID.utf8.count * 3 + (returnTo?.utf8.count ?? 0) * 3 + 32)
        url.append(endpoint.url)
        url.append("?session_id=")
        url.appendEncoded(sessionID, .query)
        if let returnTo {
            url.append("&return_to=")
            url.appendEncoded(returnTo, .query)
        }
        return try url.finish().string
    }
}
