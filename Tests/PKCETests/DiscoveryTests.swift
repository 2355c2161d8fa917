import Testing
@testable import PKCE

@Suite struct DiscoveryTests {
    func configuration() throws(PKCEError) -> ClientConfiguration {
        try ClientConfiguration(clientID: "client_01", redirectURI: "http://127.0.0.1:8765/cb")
    }

    @Test func metadataURLs() throws {
        #expect(try ClientConfiguration.metadataURLs(issuer: "https://as.example") == [
            "https://as.example/.well-known/oauth-authorization-server",
            "https://as.example/.well-known/openid-configuration"])
        #expect(try ClientConfiguration.metadataURLs(issuer: "https://as.example/t/1/") == [
            "https://as.example/.well-known/oauth-authorization-server/t/1",
            "https://as.example/t/1/.well-known/openid-configuration"])
        #expect(throws: PKCEError.self) { try ClientConfiguration.metadataURLs(issuer: "http://as.example") }
    }

    func apply(_ json: String, issuer: String = "https://as.example") throws(PKCEError) -> ClientConfiguration {
        var c = try configuration()
        let bytes = try SecureBytes(json)
        try bytes.withBytes { b throws(PKCEError) in try c.applyMetadata(issuer: issuer, json: b) }
        return c
    }

    @Test func applyMetadata() throws {
        let c = try apply(#"{"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","#
            + #""token_endpoint":"https://as.example/t","revocation_endpoint":"https://as.example/r","#
            + #""code_challenge_methods_supported":["plain","S256"],"authorization_response_iss_parameter_supported":true}"#)
        #expect(c.authorizationEndpoint?.url == "https://as.example/a" && c.tokenEndpoint?.url == "https://as.example/t")
        #expect(c.revocationEndpoint?.url == "https://as.example/r")
        #expect(c.issuer == "https://as.example" && c.requiresIssuerParameter)
        let noIss = try apply(#"{"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t"}"#)
        #expect(noIss.issuer == "https://as.example" && !noIss.requiresIssuerParameter)
    }

    /// RFC 9126 5: a server that requires pushed requests gets them; one that
    /// only offers them gets them when the client prefers them.
    @Test func pushedAuthorizationRequestsFromMetadata() throws {
        let base = #"{"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t""#
        let required = try apply(base + #","pushed_authorization_request_endpoint":"https://as.example/par","require_pushed_authorization_requests":true}"#)
        #expect(required.pushedAuthorizationRequestEndpoint?.url == "https://as.example/par" && required.pushesAuthorizationRequests)
        var offered = try apply(base + #","pushed_authorization_request_endpoint":"https://as.example/par"}"#)
        #expect(!offered.pushesAuthorizationRequests)
        offered.prefersPushedAuthorizationRequests = true
        #expect(offered.pushesAuthorizationRequests)
        #expect(throws: PKCEError.self) { try apply(base + #","require_pushed_authorization_requests":true}"#) }
        #expect(throws: PKCEError.self) { try apply(base + #","pushed_authorization_request_endpoint":"http://as.example/par"}"#) }
    }

    /// The same callback is accepted or refused the same way whatever the order of
    /// set_issuer and discovery: a requirement the caller stated stays.
    @Test func discoveryNeverDropsACallersRequirement() throws {
        let without = #"{"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t"}"#
        let with = #"{"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t","#
            + #""authorization_response_iss_parameter_supported":true}"#
        func discovered(_ json: String, after set: (String, Bool)?) throws -> Bool {
            var c = try configuration()
            if let set { try c.setIssuer(set.0, required: set.1) }
            try SecureBytes(json).withBytes { b throws(PKCEError) in try c.applyMetadata(issuer: "https://as.example", json: b) }
            return c.requiresIssuerParameter
        }
        #expect(try discovered(without, after: ("https://as.example", true)))   // kept
        #expect(try discovered(with, after: ("https://as.example", false)))     // the server's word adds it
        #expect(try !discovered(without, after: ("https://as.example", false)))
        #expect(try !discovered(without, after: ("https://other.example", true)))  // another issuer's requirement
        #expect(try !discovered(without, after: nil))
        #expect(try discovered(with, after: nil))
    }

    @Test func refusedMetadata() {
        func code(_ json: String) -> PKCEError.Code? {
            do { _ = try apply(json); return nil } catch { return error.code }
        }
        #expect(code(#"{"issuer":"https://other.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t"}"#) == .discovery)
        #expect(code(#"{"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t","code_challenge_methods_supported":["plain"]}"#) == .s256Unsupported)
        #expect(code(#"{"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t","code_challenge_methods_supported":"S256"}"#) == .discovery)
        #expect(code(#"{"issuer":"https://as.example","authorization_endpoint":"https://as.example/a"}"#) == .discovery)
        #expect(code(#"{"issuer":"https://as.example","authorization_endpoint":"http://as.example/a","token_endpoint":"https://as.example/t"}"#) == .urlInsecure)
        #expect(code("[]") == .discovery)
        #expect(code("{") == .responseMalformed)
    }
}
