#if canImport(Glibc)
import Glibc
#endif
import PKCE
import PKCEListener
import PKCESignIn
import PKCETokens
import PKCETransport

/// What a sign-in to a protected resource may be told besides its URL.
public struct ResourceSignInOptions: Sendable {
    /// A client id the server already knows, or the https URL of the
    /// application's Client ID Metadata Document; nil registers one (RFC 7591).
    public var clientID: String?
    /// The `client_name` of a dynamic registration: what the consent page shows.
    public var clientName = "libpkce"
    /// The scopes to ask for instead of those the resource names.
    public var scope: String?
    /// The WWW-Authenticate challenge of the resource's 401 or 403, when the
    /// caller has one: its `resource_metadata` saves the probe, and an
    /// `insufficient_scope` with `scope` asks for those scopes on top of
    /// the ones already granted (a step-up).
    public var challenge: ResourceChallenge?
    /// The scope the current token was granted, which a step-up keeps; nil
    /// takes it from the store's token for the resource.
    public var grantedScope: String?
    /// The issuer to prefer when the resource lists several authorization servers.
    public var preferredIssuer: String?
    /// Where discovery, registration and the tokens are kept; nil keeps nothing.
    public var store: TokenStore?
    public var browser = Browser.system
    public var timeoutMilliseconds = 300_000

    public init() {}

    /// The scope to sign in for: `scope`, else what the resource asks for
    /// (`DiscoveredResource.scope`), keeping on a step-up `grantedScope`, or
    /// else `granted` (what a kept token was granted).
    public func scope(for discovered: DiscoveredResource, granted: String?) -> String? {
        scope ?? discovered.scope(for: challenge, granted: grantedScope ?? granted)
    }
}

extension OAuthClient {
    /// Signs in to the protected resource at `url` (the MCP authorization
    /// profile): finds its authorization server (RFC 9728, then RFC 8414 or
    /// OpenID Connect, in the MCP order), registers the client unless told
    /// its id, binds the tokens to the resource (RFC 8707), and runs the
    /// browser sign-in (`signIn`). The client's configuration becomes that
    /// of the resource's server, so that `refresh`, a `TokenSource` and
    /// `revoke` go on from here; its transport options stay.
    ///
    /// With a store, what discovery found and the registration are kept
    /// there (not the tokens: a `TokenSource` saves those): the next sign-in
    /// to the resource sends nothing before the browser opens.
    public func signIn(resource url: String, options: ResourceSignInOptions = ResourceSignInOptions()) throws(PKCEError) -> TokenResponse {
        let store = options.store
        let log = configuration.log
        let discovered = try discover(resource: url, options: options)
        let granted = options.grantedScope == nil ? try grantedScope(discovered, store: store) : nil
        let scope = options.scope(for: discovered, granted: granted)
        let (registration, listener) = try register(discovered, options: options, scope: scope)
        configuration = try discovered.configuration(clientID: registration.clientID, redirectURI: listener.redirectURI, scope: scope,
                                                     settingsOf: configuration)
        log?(.info, "resource: signing in to \(PKCEError.printable(discovered.resource, limit: 200)) at "
             + "\(PKCEError.printable(discovered.issuer, limit: 200)), scope '\(PKCEError.printable(scope ?? ""))'")
        return try signIn(listener: listener, browser: options.browser, timeoutMilliseconds: options.timeoutMilliseconds)
    }

    /// A kept discovery of the resource, else a new one (kept when there is a store).
    private func discover(resource url: String, options: ResourceSignInOptions) throws(PKCEError) -> DiscoveredResource {
        let requested = try ProtectedResource.canonicalURI(url)
        let now = TokenSource.systemTime()
        if let store = options.store, let record = try store.loadRecord(kind: "resource", key: requested),
           let kept = try record.withUnsafeBufferPointer({ (json) throws(PKCEError) in try DiscoveredResource(record: json, now: now) }) {
            configuration.log?(.info, "resource: using the discovery kept for \(PKCEError.printable(requested, limit: 200))")
            return kept
        }
        let discovery = try ResourceDiscovery(resource: url, challenge: options.challenge)
        discovery.preferredIssuer = options.preferredIssuer
        while let request = try discovery.nextRequest() {
            try discovery.handle(send(request))
        }
        guard let found = discovery.result else { throw PKCEError(.discovery, "discovery ended without a result") }
        if let store = options.store {
            let record = try found.record(discoveredAt: now)
            try store.withLock { () throws(PKCEError) in try store.saveRecord(kind: "resource", key: requested, json: record) }
        }
        return found
    }

    /// The scopes the store's token for this resource was granted: a step-up keeps them.
    private func grantedScope(_ discovered: DiscoveredResource, store: TokenStore?) throws(PKCEError) -> String? {
        try store?.loadAll().first { $0.key.resource == discovered.resource && $0.key.issuer == discovered.issuer }?.scope
    }

    /// The client id to sign in with and a listener on the redirect URI it
    /// was registered with (MCP's order: the caller's client id, a metadata
    /// document, a kept registration whose port is free, a new registration
    /// for a port bound first).
    private func register(_ discovered: DiscoveredResource, options: ResourceSignInOptions,
                          scope: String?) throws(PKCEError) -> (ClientRegistration, LoopbackListener) {
        let log = configuration.log
        if let clientID = options.clientID {
            let listener = try LoopbackListener()
            if clientID.hasPrefix("https://") && discovered.acceptsClientIDMetadataDocument {
                return (try discovered.metadataDocumentClient(clientID, redirectURI: listener.redirectURI), listener)
            }
            return (try ClientRegistration(issuer: discovered.issuer, clientID: clientID, redirectURI: listener.redirectURI), listener)
        }
        let store = options.store
        if let record = try store?.loadRecord(kind: "registration", key: discovered.issuer) {
            let kept = try record.withUnsafeBufferPointer { (json) throws(PKCEError) in try ClientRegistration(record: json) }
            if !kept.allows(scope: scope) {
                log?(.info, "resource: the kept registration is for scope '\(PKCEError.printable(kept.scope ?? ""))'; registering again")
            } else if let reuse = LoopbackListener.Configuration(reusing: kept.redirectURI) {
                do {
                    let listener = try LoopbackListener(reuse)
                    log?(.info, "resource: reusing client \(PKCEError.printable(kept.clientID)) registered for \(kept.redirectURI)")
                    return (kept, listener)
                } catch where error.code == .portInUse {
                    log?(.info, "resource: the port of the kept registration is taken; registering again")
                }
            }
        }
        guard discovered.registrationEndpoint != nil else {
            throw PKCEError(.registration, "no client id was given and the server offers no dynamic registration "
                            + "(no registration_endpoint): give the client id the server's administrator issued")
        }
        let listener = try LoopbackListener()
        let request = try discovered.registrationRequest(redirectURI: listener.redirectURI, clientName: options.clientName, scope: scope)
        let registration = try ClientRegistration(answer: send(request), issuer: discovered.issuer,
                                                  redirectURI: listener.redirectURI, scope: scope)
        log?(.info, "resource: registered client \(PKCEError.printable(registration.clientID)) for \(listener.redirectURI)")
        if let store {
            let record = try registration.record()
            try store.withLock { () throws(PKCEError) in
                try store.saveRecord(kind: "registration", key: discovered.issuer, json: record)
            }
        }
        return (registration, listener)
    }
}

extension TokenSource {
    /// Makes `send` answer a 403 `insufficient_scope` with a new browser
    /// sign-in to `url` (see `OAuthClient.signIn(resource:options:)`) for the
    /// challenged scopes and those granted, through this source's client.
    public func stepUp(signingInTo url: String, options: ResourceSignInOptions) {
        let client = client
        stepUp = { (challenge, granted) throws(PKCEError) -> TokenResponse in
            var options = options
            options.challenge = challenge
            options.grantedScope = granted
            return try client.signIn(resource: url, options: options)
        }
    }
}
