/// What a loopback listener waits for: the browser sent back to the app,
/// checked by the object that sent it away (a sign-in, a sign-out).
package protocol RedirectReceiver: AnyObject {
    /// Checks the redirect; `ours` is set once its state showed it is this object's.
    func handleCallback(_ redirect: UnsafeBufferPointer<UInt8>, ours: inout Bool) throws(PKCEError)
}

extension AuthorizationAttempt: RedirectReceiver {}

/// One sign-out (OpenID Connect RP-Initiated Logout 1.0), sans-I/O: the
/// URL that ends the user's session at the server, and the check of the
/// redirect back to the app when there is one. For a WorkOS client, WorkOS's
/// session logout URL instead. Not for concurrent use; wiped when released.
public final class LogoutAttempt: RedirectReceiver {
    public var client: ClientConfiguration { configuration.value }
    let configuration: ConfigurationSnapshot
    /// Sent with a post-logout redirect URI and checked when the browser comes back.
    public let state: SecureBytes
    /// The ID token of the session to end (`id_token_hint`): the server
    /// then knows whose session it is and that this client asks.
    public var idTokenHint: SecureBytes?
    /// `logout_hint`: who is signing out, as the server knows the user.
    public var logoutHint: String?
    /// `ui_locales`: the languages of the server's pages, space-separated.
    public var uiLocales: String?
    /// WorkOS: the session to end (the access token's `sid` claim).
    public var sessionID: String?
    /// Where the server sends the browser afterwards; nil asks for no redirect.
    public private(set) var postLogoutRedirectURI: String?
    /// Whether the redirect back came and was checked.
    public private(set) var completed = false

    public convenience init(client: ClientConfiguration) throws(PKCEError) {
        try self.init(shared: ConfigurationSnapshot(client))
    }

    package init(shared: ConfigurationSnapshot) throws(PKCEError) {
        guard shared.value.endSessionEndpoint != nil || shared.value.workOSLogoutEndpoint != nil else {
            throw PKCEError(.notConfigured, "the server has no end_session_endpoint: there is no session to end in the browser")
        }
        configuration = shared
        state = try PKCE.randomCharacters(43)
    }

    /// The redirect URI the server sends the browser to afterwards (it must
    /// be registered with it, as a sign-in's is): a loopback listener's.
    public func setPostLogoutRedirectURI(_ uri: String?) throws(PKCEError) {
        if let uri { try URLRules.redirectURI(uri) }
        postLogoutRedirectURI = uri
    }

    /// The URL to open in the browser: the end-session endpoint with
    /// `id_token_hint`, `logout_hint`, `client_id`, `post_logout_redirect_uri`
    /// and `state` (with a redirect URI only) and `ui_locales` as set; for a
    /// WorkOS client without one, WorkOS's logout URL for `sessionID`.
    public func logoutURL() throws(PKCEError) -> String {
        let client = configuration.value
        guard let endpoint = client.endSessionEndpoint else {
            guard let sessionID else {
                throw PKCEError(.invalidArgument, "a WorkOS sign-out needs the session id (the access token's sid claim)")
            }
            return try client.workOSLogoutURL(sessionID: sessionID, returnTo: postLogoutRedirectURI)
        }
        var url = try ByteWriter(capacity: endpoint.url.utf8.count + (idTokenHint?.count ?? 0) + 256)
        url.append(endpoint.url)
        var separator = endpoint.separator
        if let idTokenHint { Self.add(&url, &separator, "id_token_hint", idTokenHint.buffer) }
        if let logoutHint { Self.add(&url, &separator, "logout_hint", logoutHint) }
        if !client.clientID.isEmpty { Self.add(&url, &separator, "client_id", client.clientID) }
        if let postLogoutRedirectURI {
            Self.add(&url, &separator, "post_logout_redirect_uri", postLogoutRedirectURI)
            Self.add(&url, &separator, "state", state.buffer)
        }
        if let uiLocales { Self.add(&url, &separator, "ui_locales", uiLocales) }
        return try url.finish().string
    }

    private static func add(_ url: inout ByteWriter, _ separator: inout StaticString, _ name: StaticString,
                            _ value: UnsafeBufferPointer<UInt8>) {
        url.append(separator)
        separator = "&"
        url.append(name)
        url.append(UInt8(ascii: "="))
        url.appendEncoded(value, .query)
    }

    private static func add(_ url: inout ByteWriter, _ separator: inout StaticString, _ name: StaticString, _ value: String) {
        var value = value
        value.withUTF8 { add(&url, &separator, name, $0) }
    }

    /// Checks the redirect back (RFC 8252's rules, as for a sign-in): the
    /// state must be this sign-out's; any `error` the server added is `.oauth`.
    public func handleCallback(_ redirect: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        var ours = false
        try handleCallback(redirect, ours: &ours)
    }

    package func handleCallback(_ redirect: UnsafeBufferPointer<UInt8>, ours: inout Bool) throws(PKCEError) {
        guard !completed else { throw PKCEError(.attemptUsed, "this sign-out already accepted its redirect") }
        let parameters = try AuthorizationAttempt.callbackParameters(redirect)
        var seen = Set<String>()
        for parameter in parameters where !seen.insert(parameter.name).inserted {
            throw PKCEError(.callbackDuplicate, "the redirect repeats the parameter '\(PKCEError.printable(parameter.name))'")
        }
        func value(_ name: String) -> SecureBytes? { parameters.first { $0.name == name }?.value }
        guard let returned = value("state") else { throw PKCEError(.stateMismatch, "the redirect has no state") }
        ours = returned.withBytes { PKCE.constantTimeEquals($0, state.buffer) }
        guard ours else { throw PKCEError(.stateMismatch) }
        if let error = value("error") {
            let detail = PKCEError.OAuthDetail(error: error.string,
                                               description: value("error_description").map { AuthorizationAttempt.oneLine($0.string) },
                                               uri: value("error_uri")?.string)
            throw PKCEError(.oauth, "sign-out failed: \(PKCEError.printable(detail.error))", oauth: detail)
        }
        completed = true
    }
}
