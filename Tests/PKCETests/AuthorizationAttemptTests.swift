import Testing
@testable import PKCE

@Suite struct AuthorizationAttemptTests {
    @Test func authorizationURLCarriesEveryParameterEncoded() throws {
        let a = try Fixtures.attempt(Fixtures.client())
        try a.addParameter("organization_id", "org_123")
        try a.addParameter("screen_hint", "sign up")
        #expect(try a.authorizationURL() == "https://as.example/authorize?response_type=code&client_id=client%201"
            + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb&state=st"
            + "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
            + "&organization_id=org_123&screen_hint=sign%20up")
        #expect(throws: PKCEError.self) { try a.addParameter("code_challenge_method", "plain") }
    }

    @Test func openIDScopeAddsANonce() throws {
        var c = try Fixtures.client()
        c.setScope("openid email")
        let a = try AuthorizationAttempt(client: c)
        #expect(a.nonce?.count == 43)
        #expect(try a.authorizationURL().contains("&scope=openid%20email&state="))
        c.setScope("email")
        #expect(try AuthorizationAttempt(client: c).nonce == nil)
    }

    @Test func callbackThenTokenRequest() throws {
        let a = try Fixtures.attempt(Fixtures.client())
        try a.handleCallback("http://127.0.0.1:8080/cb?state=st&code=a%2Bb")
        let request = try a.tokenRequest()
        #expect(request.method.description == "POST")
        #expect(request.url == "https://as.example/token")
        #expect(request.headers.map { "\($0.name): \($0.value)" } == [
            "Content-Type: application/x-www-form-urlencoded", "Accept: application/json"])
        #expect(request.body.string == "grant_type=authorization_code&code=a%2Bb"
            + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb&client_id=client+1&code_verifier=\(Fixtures.rfcVerifier)")
        #expect(throws: PKCEError(.attemptUsed)) { try a.handleCallback("?state=st&code=x") }
    }

    @Test func refreshRequest() throws {
        let request = try Fixtures.client().refreshRequest(refreshToken: "r t", scope: "a")
        #expect(request.body.string == "grant_type=refresh_token&refresh_token=r+t&client_id=client+1&scope=a")
    }
}
