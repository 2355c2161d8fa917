import Testing
@testable import PKCE

@Suite struct WorkOSTests {
    func configuration() throws(PKCEError) -> ClientConfiguration {
        try ClientConfiguration(clientID: "client_01", redirectURI: "http://127.0.0.1:8765/cb")
    }

    @Test func workOSRequests() throws {
        var c = try configuration()
        try c.useWorkOS(apiBase: "https://api.workos.com/")
        #expect(c.authorizationEndpoint?.url == "https://api.workos.com/user_management/authorize")
        #expect(c.tokenEndpoint?.url == "https://api.workos.com/user_management/authenticate")
        let attempt = try SecureBytes("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").withBytes { v throws(PKCEError) in
            try AuthorizationAttempt(client: c, verifier: v, state: "st", nonce: nil)
        }
        try attempt.handleCallback("?state=st&code=a\"b%5Cc")
        let request = try attempt.tokenRequest()
        #expect(request.headers.first.map { "\($0.value)" } == "application/json")
        #expect(request.body.string == #"{"grant_type":"authorization_code","code":"a\"b\\c","client_id":"client_01","#
            + #""code_verifier":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}"#)
        // What we write, our own parser reads back.
        let parsed = try TokenResponse(httpStatus: 200, body: #"{"access_token":"x","echo":"# + "\"a\\\"b\\\\c\\n\"}")
        #expect(try parsed.memberString("echo")?.string == "a\"b\\c\n")
        let refresh = try c.refreshRequest(refreshToken: "r1")
        #expect(refresh.body.string == #"{"grant_type":"refresh_token","refresh_token":"r1","client_id":"client_01"}"#)
        // Control characters (which no callback lets through) are escaped in JSON bodies all the same.
        let odd = try c.refreshRequest(refreshToken: "r\n\u{1}\t")
        #expect(odd.body.string == #"{"grant_type":"refresh_token","refresh_token":"r\n\u0001\t","client_id":"client_01"}"#)
    }
}
