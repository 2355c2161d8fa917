#if canImport(Glibc)
import Glibc
#endif
import Testing
import PKCE
import PKCETokens

@Suite final class FileTokenStoreTests {
    let directory: String

    init() throws {
        var template = Array("/tmp/libpkce-store-XXXXXX".utf8CString)
        directory = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
    }

    deinit {
        for name in Self.names(in: directory) where name != "." && name != ".." { unlink(directory + "/" + name) }
        rmdir(directory)
    }

    static func names(in directory: String) -> Set<String> {
        guard let listing = opendir(directory) else { return [] }
        defer { closedir(listing) }
        var names: Set<String> = []
        while let item = readdir(listing) {
            names.insert(withUnsafeBytes(of: item.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) })
        }
        return names
    }

    func entry(_ subject: String, _ access: String, refresh: String? = "r-\u{1}\"\\é", expiresAt: Int64? = 1_900_000_000) throws(PKCEError) -> StoredToken {
        StoredToken(key: .init(issuer: "https://as.example", clientID: "app", subject: subject), tokenEndpoint: "https://as.example/token",
                    accessToken: try SecureBytes(access), refreshToken: try refresh.map { (r) throws(PKCEError) in try SecureBytes(r) },
                    idToken: nil, tokenType: "Bearer", scope: "openid email", expiresAt: expiresAt)
    }

    /// Several accounts side by side; values that need JSON escaping come back as they went in.
    @Test func accountsRoundTrip() throws {
        let store = try FileTokenStore(path: directory + "/tokens.json")
        try store.withLock { () throws(PKCEError) in
            try store.save(entry("alice", "a-1"))
            try store.save(entry("bob", "b-1", refresh: nil, expiresAt: nil))
            try store.save(entry("alice", "a-2"))  // replaces alice's
        }
        let all = try store.loadAll()
        #expect(all.map(\.key.subject) == ["bob", "alice"])
        let alice = try #require(try store.load(.init(issuer: "https://as.example", clientID: "app", subject: "alice")))
        #expect(alice.accessToken.string == "a-2" && alice.refreshToken?.string == "r-\u{1}\"\\é")
        #expect(alice.expiresAt == 1_900_000_000 && alice.scope == "openid email" && alice.tokenType == "Bearer")
        let bob = try #require(all.first)
        #expect(bob.refreshToken == nil && bob.expiresAt == nil && bob.isFresh(at: .max - 1, leeway: 60))
        #expect(try store.load(.init(issuer: "https://other.example", clientID: "app", subject: "alice")) == nil)

        var info = stat()
        #expect(stat(directory + "/tokens.json", &info) == 0 && info.st_mode & 0o777 == 0o600)
        // No temporary file is left behind.
        #expect(Self.names(in: directory) == [".", "..", "tokens.json", "tokens.json.lock"])
    }

    @Test func freshness() throws {
        let token = try entry("a", "x", expiresAt: 1000)
        #expect(token.isFresh(at: 939, leeway: 60))
        #expect(!token.isFresh(at: 940, leeway: 60))
        #expect(!token.isFresh(at: 1000, leeway: 0))
    }

    /// A refresh answer without an ID token keeps the previous one; the refresh
    /// token is the answer's (the client puts the one it sent there when the
    /// server sent none: TokenResponseTests).
    @Test func carriesForward() throws {
        var previous = try entry("a", "old")
        previous.idToken = try SecureBytes("id-old")
        let answer = try TokenResponse(httpStatus: 200, body: #"{"access_token":"new","refresh_token":"r2","expires_in":600}"#)
        let fresh = StoredToken(answer, key: previous.key, tokenEndpoint: previous.tokenEndpoint, receivedAt: 5000, previous: previous)
        #expect(fresh.accessToken.string == "new" && fresh.refreshToken?.string == "r2" && fresh.idToken?.string == "id-old")
        #expect(fresh.expiresAt == 5600)
    }

    @Test func refusesWhatIsNotATokenFile() throws {
        let path = directory + "/other.json"
        for contents in [#"{"not":"tokens"}"#, "garbage", #"{"libpkce_tokens":2,"entries":[]}"#,
                         #"{"libpkce_tokens":1,"entries":[{"issuer":"i"}]}"#] {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            _ = contents.withCString { write(fd, $0, strlen($0)) }
            close(fd)
            #expect(throws: PKCEError.self) { try FileTokenStore(path: path).loadAll() }
        }
        #expect(try FileTokenStore(path: directory + "/absent.json").loadAll().isEmpty)
        #expect(throws: PKCEError(.invalidArgument, "the token file path is empty")) { try FileTokenStore(path: "") }
    }
}
