import PKCE

/// One account's tokens as a store keeps them: whose they are, where they
/// are refreshed, and when the access token expires, as an absolute time
/// computed when the answer arrived. The tokens stay in wiped memory.
public struct StoredToken: Sendable {
    /// Several accounts coexist in one store: one entry per issuer, client and subject.
    public struct Key: Hashable, Sendable {
        /// The issuer, or the token endpoint's URL when no issuer is configured.
        public var issuer: String
        public var clientID: String
        /// The user (the ID token's `sub`), or "" when unknown.
        public var subject: String
        /// The resource the tokens are bound to (RFC 8707, canonical), or "" for none:
        /// tokens for two resources of one server are two entries.
        public var resource: String

        /// Whether saving an entry under this key removes the one under `other`:
        /// the same key, or, for a resource, the same resource, server and user
        /// (a step-up that registered a new client replaces the old client's
        /// narrower tokens). Every store applies this rule.
        public func replaces(_ other: Key) -> Bool {
            self == other || (!resource.isEmpty && other.resource == resource && other.issuer == issuer && other.subject == subject)
        }

        public init(issuer: String, clientID: String, subject: String, resource: String = "") {
            self.issuer = issuer
            self.clientID = clientID
            self.subject = subject
            self.resource = resource
        }
    }

    public var key: Key
    /// Where to refresh, so that a program with only the store can (`pkce token FILE`).
    public var tokenEndpoint: String?
    public var accessToken: SecureBytes
    public var refreshToken: SecureBytes?
    public var idToken: SecureBytes?
    public var tokenType: String?
    public var scope: String?
    /// Unix seconds; nil when the server did not say (the token is then used until refused).
    public var expiresAt: Int64?
    /// The DPoP key the tokens were obtained with (RFC 9449): refreshes sign
    /// with it, and a bound access token is presented with its proofs. Kept
    /// with the tokens as PKCS#8 PEM, with the nonces its servers gave.
    public var dpopKey: DPoPKey?

    /// The key to present the access token with: `dpopKey` when the server
    /// bound the token (`token_type` DPoP); nil for a Bearer token.
    public var boundKey: DPoPKey? { DPoPKey.isBound(tokenType: tokenType) ? dpopKey : nil }

    public init(key: Key, tokenEndpoint: String?, accessToken: SecureBytes, refreshToken: SecureBytes?,
                idToken: SecureBytes?, tokenType: String?, scope: String?, expiresAt: Int64?, dpopKey: DPoPKey? = nil) {
        self.key = key
        self.tokenEndpoint = tokenEndpoint
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.idToken = idToken
        self.tokenType = tokenType
        self.scope = scope
        self.expiresAt = expiresAt
        self.dpopKey = dpopKey
    }

    /// A token endpoint's answer received at `now`. A refresh often brings
    /// no ID token: that of `previous` is carried forward. (The refresh
    /// token is the answer's own: `OAuthClient.refresh` keeps the one sent
    /// in an answer that brings none.)
    public init(_ answer: TokenResponse, key: Key, tokenEndpoint: String?, receivedAt now: Int64,
                previous: StoredToken? = nil) {
        self.init(key: key, tokenEndpoint: tokenEndpoint, accessToken: answer.accessToken,
                  refreshToken: answer.refreshToken, idToken: answer.idToken ?? previous?.idToken,
                  tokenType: answer.tokenType?.string,
                  scope: answer.scope?.string, expiresAt: answer.expiresIn.map { now + $0 },
                  dpopKey: answer.dpopKey ?? previous?.dpopKey)
    }

    /// The tokens as a token response would carry them, `expires_in`
    /// counted from `now` (0 once past): for a program that reads a store.
    public func asTokenResponse(at now: Int64) throws(PKCEError) -> TokenResponse {
        var out = try ByteWriter(capacity: accessToken.count + (refreshToken?.count ?? 0) + 256)
        out.append(UInt8(ascii: "{"))
        appendTokens(to: &out)
        if let expiresAt { out.append(",\"expires_in\":\(max(expiresAt - now, 0))") }
        out.append(UInt8(ascii: "}"))
        let response = try out.finish().withBytes { (json) throws(PKCEError) in try TokenResponse(httpStatus: 200, body: json) }
        response.dpopKey = dpopKey
        return response
    }

    /// Whether the access token is still good `leeway` seconds from `now`.
    public func isFresh(at now: Int64, leeway: Int64) -> Bool {
        guard let expiresAt else { return true }
        return expiresAt - leeway > now
    }
}

/// One entry as the stores write it: a JSON object of the key, the token
/// endpoint, the tokens and the absolute expiry (`FileTokenStore` shows it).
extension StoredToken {
    func appendJSON(to out: inout ByteWriter) throws(PKCEError) {
        out.append("{\"issuer\":")
        out.appendJSONString(key.issuer)
        out.append(",\"client_id\":")
        out.appendJSONString(key.clientID)
        out.append(",\"subject\":")
        out.appendJSONString(key.subject)
        if !key.resource.isEmpty {
            out.append(",\"resource\":")
            out.appendJSONString(key.resource)
        }
        if let tokenEndpoint {
            out.append(",\"token_endpoint\":")
            out.appendJSONString(tokenEndpoint)
        }
        out.append(UInt8(ascii: ","))
        appendTokens(to: &out)
        if let expiresAt { out.append(",\"expires_at\":\(expiresAt)") }
        if let dpopKey {
            let pem = try dpopKey.pem()
            out.append(",\"dpop_key\":")
            out.appendJSONString(pem.buffer)
            out.append(",\"dpop_nonces\":{")
            for (index, entry) in dpopKey.nonces.all.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.appendJSONString(entry.origin)
                out.append(UInt8(ascii: ":"))
                out.appendJSONString(entry.nonce)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `"access_token":...` and the refresh token, ID token, token type and
    /// scope there are: the members a token response and an entry share.
    private func appendTokens(to out: inout ByteWriter) {
        out.append("\"access_token\":")
        out.appendJSONString(accessToken.buffer)
        if let refreshToken {
            out.append(",\"refresh_token\":")
            out.appendJSONString(refreshToken.buffer)
        }
        if let idToken {
            out.append(",\"id_token\":")
            out.appendJSONString(idToken.buffer)
        }
        if let tokenType {
            out.append(",\"token_type\":")
            out.appendJSONString(tokenType)
        }
        if let scope {
            out.append(",\"scope\":")
            out.appendJSONString(scope)
        }
    }

    /// The entry at `node` of `document`; `invalid` for anything that is not one.
    init(_ document: JSONDocument, _ node: Int, invalid: PKCEError) throws(PKCEError) {
        guard document.nodes[node].kind == .object else { throw invalid }
        func text(_ name: String) throws(PKCEError) -> SecureBytes? {
            try document.stringMember(name, of: node, wrongType: invalid)
        }
        guard let issuer = try text("issuer"), let clientID = try text("client_id"), let subject = try text("subject"),
              let accessToken = try text("access_token") else { throw invalid }
        var expiresAt: Int64?
        if let value = document.member("expires_at", of: node), document.nodes[value].kind != .null {
            guard document.nodes[value].kind == .number,
                  let seconds = Int64(String(decoding: document.text(value), as: UTF8.self)) else { throw invalid }
            expiresAt = seconds
        }
        var dpopKey: DPoPKey?
        if let pem = try text("dpop_key") {
            do { dpopKey = try pem.withBytes { (bytes) throws(PKCEError) in try DPoPKey(pem: bytes) } } catch {
                throw PKCEError(invalid.code, "\(invalid.message): its DPoP key is unusable (\(error.message))")
            }
            if let nonces = document.member("dpop_nonces", of: node) {
                guard document.nodes[nonces].kind == .object else { throw invalid }
                for (origin, nonce) in document.members(of: nonces) where document.nodes[nonce].kind == .string {
                    dpopKey?.nonces.remember(document.plainString(nonce), for: document.plainString(origin))
                }
            }
        }
        self.init(key: .init(issuer: issuer.string, clientID: clientID.string, subject: subject.string,
                             resource: try text("resource")?.string ?? ""),
                  tokenEndpoint: try text("token_endpoint")?.string, accessToken: accessToken,
                  refreshToken: try text("refresh_token"), idToken: try text("id_token"),
                  tokenType: try text("token_type")?.string, scope: try text("scope")?.string, expiresAt: expiresAt,
                  dpopKey: dpopKey)
    }
}

/// Where a token source keeps tokens across restarts and processes. A file
/// (`FileTokenStore`) now; a desktop keyring can be another.
public protocol TokenStore: AnyObject, Sendable {
    /// Runs `body` holding a lock that excludes other processes and threads
    /// using the same store, so that only one of them refreshes a token.
    func withLock<R>(_ body: () throws(PKCEError) -> R) throws(PKCEError) -> R
    /// The entry for `key`; nil when there is none.
    func load(_ key: StoredToken.Key) throws(PKCEError) -> StoredToken?
    /// Every entry, for a program that has only the store (`pkce token FILE`).
    func loadAll() throws(PKCEError) -> [StoredToken]
    /// Adds or replaces the entry for `token.key`. Call it holding the lock.
    func save(_ token: StoredToken) throws(PKCEError)
    /// Removes the entry for `key` (a sign-out); `.notFound` when there is none. Call it holding the lock.
    func remove(_ key: StoredToken.Key) throws(PKCEError)
    /// A record kept beside the tokens, not secret: what discovery found
    /// for a resource, a client registration. nil when there is none.
    func loadRecord(kind: String, key: String) throws(PKCEError) -> [UInt8]?
    /// Adds or replaces a record (`json`, a JSON object). Call it holding the lock.
    func saveRecord(kind: String, key: String, json: [UInt8]) throws(PKCEError)
    /// Fails now when a `save` would, for what can be known before the
    /// tokens exist (a directory that cannot be written): a token source
    /// asks before a refresh spends the refresh token, a sign-in before the
    /// browser opens. Call it holding the lock.
    func checkWritable() throws(PKCEError)
}

extension TokenStore {
    public func checkWritable() throws(PKCEError) {}
    /// A store written before sign-out existed: it cannot remove entries.
    public func remove(_ key: StoredToken.Key) throws(PKCEError) {
        throw PKCEError(.notConfigured, "this token store cannot remove entries")
    }
    /// A store without records: every sign-in discovers and registers afresh.
    public func loadRecord(kind: String, key: String) throws(PKCEError) -> [UInt8]? { nil }
    public func saveRecord(kind: String, key: String, json: [UInt8]) throws(PKCEError) {}
}
