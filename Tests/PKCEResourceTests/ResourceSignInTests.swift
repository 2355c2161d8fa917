#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import PKCE
@testable import PKCEListener
@testable import PKCETokens

@Suite struct ResourceStoreTests {
    @Test func listenerConfigurationReusesALoopbackRedirectURI() throws {
        let reuse = try #require(LoopbackListener.Configuration(reusing: "http://127.0.0.1:5123/callback"))
        #expect(reuse.ports == [5123] && reuse.path == "/callback" && reuse.address == .ipv4)
        #expect(LoopbackListener.Configuration(reusing: "http://[::1]:80/cb")?.address == .ipv6)
        #expect(LoopbackListener.Configuration(reusing: "https://app.example/cb") == nil)
    }

    @Test func storeKeepsRecordsBesideResourceBoundEntries() throws {
        let path = "/tmp/libpkce-resource-test-\(getpid()).json"
        defer { unlink(path); unlink(path + ".lock") }
        let store = try FileTokenStore(path: path)
        let key = StoredToken.Key(issuer: "https://as.example", clientID: "c1", subject: "", resource: "https://rs.example/mcp")
        let token = StoredToken(key: key, tokenEndpoint: "https://as.example/token", accessToken: try SecureBytes("at"),
                                refreshToken: nil, idToken: nil, tokenType: "Bearer", scope: "mcp", expiresAt: nil)
        try store.save(token)
        try store.saveRecord(kind: "registration", key: "https://as.example", json: Array(#"{"a":1}"#.utf8))
        #expect(try store.loadRecord(kind: "registration", key: "https://as.example") == Array(#"{"a":1}"#.utf8))
        do {
            try store.saveRecord(kind: "x", key: "y", json: Array("[1]".utf8))
            Issue.record("a record that is not a JSON object was kept")
        } catch {
            #expect(error.code == .invalidArgument)
        }
        // A step-up's new client replaces the entry for the same resource, server and user.
        var wider = token
        wider.key.clientID = "c2"
        wider.scope = "mcp admin"
        try store.save(wider)
        let entries = try store.loadAll()
        #expect(entries.count == 1 && entries[0].key.clientID == "c2" && entries[0].key.resource == "https://rs.example/mcp")
        #expect(try store.loadRecord(kind: "registration", key: "https://as.example") != nil)
    }
}
