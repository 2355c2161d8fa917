import PKCE
import PKCETokens
import PKCETransport
import Testing

/// A store that holds one entry in memory and takes no new file.
private final class FullStore: TokenStore, @unchecked Sendable {
    var entry: StoredToken?
    func withLock<R>(_ body: () throws(PKCEError) -> R) throws(PKCEError) -> R { try body() }
    func load(_ key: StoredToken.Key) throws(PKCEError) -> StoredToken? { entry }
    func loadAll() throws(PKCEError) -> [StoredToken] { entry.map { [$0] } ?? [] }
    func save(_ token: StoredToken) throws(PKCEError) { entry = token }
    func checkWritable() throws(PKCEError) { throw PKCEError(.store, "no space left") }
}

@Suite struct TokenSourceStoreTests {
    /// The refresh token is not spent when the new tokens could not be kept:
    /// the store is asked first, and the server (here, nothing listening) never.
    @Test func aStoreThatCannotBeWrittenStopsTheRefreshBeforeTheServer() throws {
        var configuration = try ClientConfiguration(clientID: "app", redirectURI: "http://127.0.0.1/callback")
        try configuration.setTokenEndpoint("http://127.0.0.1:1/token")
        let client = OAuthClient(configuration)
        let answer = try TokenResponse(httpStatus: 200, body: #"{"access_token":"a","refresh_token":"r","expires_in":60}"#)
        let store = FullStore()
        let source = try TokenSource(client: client, token: answer, store: store, fixedTime: 1_000)
        source.fixedTime = 1_000_000
        do { _ = try source.token(); Issue.record("refreshed") } catch {
            #expect(error.code == .store)  // not .connect: no request was made
        }
    }
}
