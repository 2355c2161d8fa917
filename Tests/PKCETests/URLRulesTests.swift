import Testing
@testable import PKCE

@Suite struct URLRulesTests {
    @Test(arguments: [
        ("https://as.example/a", nil),
        ("http://localhost/a", nil),
        ("http://127.1.2.3:80/a", nil),
        ("http://example.com/a", PKCEError.Code.urlInsecure),
        ("http://127.0.0.1.nip.io/a", .urlInsecure),
        ("http://127.0.0/a", .urlInsecure),
        ("http://127.0.0.256/a", .urlInsecure),
        ("https://as.example/a#f", .urlInvalid),
        ("https://u@as.example/a", .urlInvalid),
        ("https://as.example/a b", .urlInvalid),
        ("https://as.example:0x50/", .urlInvalid),
        ("https://as.example/a?client_id=x", .parameterReserved),
    ] as [(String, PKCEError.Code?)])
    func endpointRules(url: String, expected: PKCEError.Code?) throws {
        var c = try Fixtures.client()
        do { try c.setAuthorizationEndpoint(url); #expect(expected == nil) } catch { #expect(error.code == expected) }
    }

    @Test(arguments: [
        ("com.example.app:/callback", nil),
        ("https://app.example/cb", nil),
        ("http://[::1]:8765/cb", nil),
        ("http://app.example/cb", PKCEError.Code.urlInsecure),
        ("/relative/cb", .urlInvalid),
        ("https://app.example/cb#x", .urlInvalid),
        ("", .urlInvalid),
    ] as [(String, PKCEError.Code?)])
    func redirectURIRules(uri: String, expected: PKCEError.Code?) {
        do { _ = try ClientConfiguration(clientID: "c", redirectURI: uri); #expect(expected == nil) } catch {
            #expect(error.code == expected)
        }
    }

    @Test func loopbackHosts() {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.255.255.254", "[::1]"] {
            #expect(URLRules.isLoopback(Substring(host).utf8), "\(host)")
        }
        for host in ["127.0.0.1.example", "128.0.0.1", "127.0.0", "[::2]", "localhost.", "0x7f.0.0.1"] {
            #expect(!URLRules.isLoopback(Substring(host).utf8), "\(host)")
        }
    }

    @Test func endpointKeepsItsQuery() throws {
        var c = try Fixtures.client()
        try c.setAuthorizationEndpoint("https://as.example/authorize?tenant=a")
        let url = try Fixtures.attempt(c).authorizationURL()
        #expect(url.hasPrefix("https://as.example/authorize?tenant=a&response_type=code&"))
    }
}
