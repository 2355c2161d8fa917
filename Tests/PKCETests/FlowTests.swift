import Testing
@testable import PKCE

@Suite struct FlowTests {
    let rfcVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    func client(issuer: String? = nil) throws(PKCEError) -> ClientConfiguration {
        var client = try ClientConfiguration(clientID: "client 1", redirectURI: "http://127.0.0.1:8080/cb")
        try client.setAuthorizationEndpoint("https://as.example/authorize")
        try client.setTokenEndpoint("https://as.example/token")
        if let issuer { try client.setIssuer(issuer) }
        return client
    }

    func attempt(_ client: ClientConfiguration, state: String = "st") throws(PKCEError) -> AuthorizationAttempt {
        try SecureBytes(rfcVerifier).withBytes { v throws(PKCEError) in
            try AuthorizationAttempt(client: client, verifier: v, state: state, nonce: nil)
        }
    }

    @Test func authorizationURLCarriesEveryParameterEncoded() throws {
        let a = try attempt(client())
        try a.addParameter("organization_id", "org_123")
        try a.addParameter("screen_hint", "sign up")
        #expect(try a.authorizationURL() == "https://as.example/authorize?response_type=code&client_id=client%201"
            + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb&state=st"
            + "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
            + "&organization_id=org_123&screen_hint=sign%20up")
        #expect(throws: PKCEError.self) { try a.addParameter("code_challenge_method", "plain") }
    }

    @Test func openIDScopeAddsANonce() throws {
        var c = try client()
        c.setScope("openid email")
        let a = try AuthorizationAttempt(client: c)
        #expect(a.nonce?.count == 43)
        #expect(try a.authorizationURL().contains("&scope=openid%20email&state="))
        c.setScope("email")
        #expect(try AuthorizationAttempt(client: c).nonce == nil)
    }

    @Test func callbackThenTokenRequest() throws {
        let a = try attempt(client())
        try a.handleCallback("http://127.0.0.1:8080/cb?state=st&code=a%2Bb")
        let request = try a.tokenRequest()
        #expect(request.method.description == "POST")
        #expect(request.url == "https://as.example/token")
        #expect(request.headers.map { "\($0.name): \($0.value)" } == [
            "Content-Type: application/x-www-form-urlencoded", "Accept: application/json"])
        #expect(request.body.string == "grant_type=authorization_code&code=a%2Bb"
            + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb&client_id=client+1&code_verifier=\(rfcVerifier)")
        #expect(throws: PKCEError(.attemptUsed)) { try a.handleCallback("?state=st&code=x") }
    }

    /// RFC 9207 before state, state before error, error before code.
    @Test func callbackCheckOrder() throws {
        let c = try client(issuer: "https://as.example")
        func code(_ query: String) throws(PKCEError) -> PKCEError.Code? {
            do { try attempt(c).handleCallback(query); return nil } catch { return error.code }
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
        let a = try attempt(client())
        do {
            try a.handleCallback("?state=st&error=access_denied&error_description=no+way")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .oauth)
            #expect(error.oauth == PKCEError.OAuthDetail(error: "access_denied", description: "no way", uri: nil))
        }
    }

    @Test func refreshRequest() throws {
        let request = try client().refreshRequest(refreshToken: "r t", scope: "a")
        #expect(request.body.string == "grant_type=refresh_token&refresh_token=r+t&client_id=client+1&scope=a")
    }

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
        var c = try client()
        do { try c.setAuthorizationEndpoint(url); #expect(expected == nil) } catch { #expect(error.code == expected) }
    }
}
