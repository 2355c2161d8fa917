import Testing
@testable import PKCE

@Suite struct CallbackTests {
    /// RFC 9207 before state, state before error, error before code.
    @Test func callbackCheckOrder() throws {
        let c = try Fixtures.client(issuer: "https://as.example")
        func code(_ query: String) throws(PKCEError) -> PKCEError.Code? {
            do { try Fixtures.attempt(c).handleCallback(query); return nil } catch { return error.code }
        }
        #expect(try code("?iss=https%3A%2F%2Fevil&state=bad&error=x") == .issuerMismatch)
        #expect(try code("?state=bad&error=x") == .issuerMissing)
        #expect(try code("?iss=https%3A%2F%2Fas.example&state=bad&error=x") == .stateMismatch)
        #expect(try code("?iss=https%3A%2F%2Fas.example&state=st&error=x&code=c") == .oauth)
        #expect(try code("?iss=https%3A%2F%2Fas.example&state=st") == .codeMissing)
        #expect(try code("?iss=https%3A%2F%2Fas.example&state=st&code=c") == nil)
        #expect(try code("?iss=https%3A%2F%2Fas.example&iss=https%3A%2F%2Fas.example&state=st&code=c") == .callbackDuplicate)
    }

    @Test func callbackErrorDetail() throws {
        let a = try Fixtures.attempt(Fixtures.client())
        do {
            try a.handleCallback("?state=st&error=access_denied&error_description=no+way")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .oauth)
            #expect(error.oauth == PKCEError.OAuthDetail(error: "access_denied", description: "no way", uri: nil))
        }
    }

    @Test(arguments: [
        "http://127.0.0.1:8080/cb",                  // no query
        "?state=st&code=a\u{7f}b",                   // a raw control character
        "?state=st&code=a%zzb",                       // bad percent-encoding
        "?state=st&code=a%00b",                       // a decoded NUL
        "?state=st&code=%ff",                         // not UTF-8 once decoded
    ])
    func malformedCallbacks(_ redirect: String) throws {
        let a = try Fixtures.attempt(Fixtures.client())
        #expect(throws: PKCEError.self) { try a.handleCallback(redirect) }
        do { try a.handleCallback(redirect) } catch { #expect(error.code == .callbackInvalid) }
        #expect(a.code == nil)
    }

    @Test func fragmentAndEmptyPiecesAreIgnored() throws {
        let a = try Fixtures.attempt(Fixtures.client())
        try a.handleCallback("http://127.0.0.1:8080/cb?&state=st&&code=c+d#code=evil")
        #expect(a.code?.string == "c d")
    }
}
