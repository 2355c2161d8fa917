import Testing
@testable import PKCE

/// The status a call fails with; nil when it succeeds.
func code<T>(_ body: () throws(PKCEError) -> T) -> PKCEError.Code? {
    do {
        _ = try body()
        return nil
    } catch {
        return error.code
    }
}

@Suite struct AuthenticationChallengeTests {
    @Test func severalChallengesQuotedEscapesAndToken68() throws {
        let challenges = try AuthenticationChallenge.parse(
            #"Basic realm="a\"b", Bearer error="insufficient_scope" , scope="mcp admin",resource_metadata="https://rs.example/m", Negotiate dXNlcg=="#)
        #expect(challenges.map(\.scheme) == ["Basic", "Bearer", "Negotiate"])
        #expect(challenges[0]["realm"] == #"a"b"#)
        #expect(challenges[1]["error"] == "insufficient_scope" && challenges[1]["scope"] == "mcp admin")
        #expect(challenges[1]["resource_metadata"] == "https://rs.example/m")
        #expect(challenges[2].token68 == "dXNlcg==" && challenges[2].parameters.isEmpty)
    }

    @Test func severalHeadersEmptyElementsAndCase() throws {
        let challenges = try AuthenticationChallenge.parse([", Bearer, ", "dpop ERROR=use_dpop_nonce, algs=\"ES256 EdDSA\""])
        #expect(challenges.count == 2 && challenges[0].parameters.isEmpty)
        #expect(challenges[1].isScheme("DPoP") && challenges[1]["error"] == "use_dpop_nonce")
    }

    @Test(arguments: [#"Bearer scope="open"#, "Bearer a=b c", "=x", #"Bearer a="x\"#,
                      "Bearer a=1, a=2", "Bearer a=\u{1}", "Bearer\ta=b"])
    func malformedIsAnError(_ header: String) {
        #expect(code { () throws(PKCEError) in try AuthenticationChallenge.parse(header) } == .challengeMalformed)
    }

    @Test func tooManyItems() {
        let header = (0..<65).map { "p\($0)=v" }.joined(separator: ", ")
        #expect(code { () throws(PKCEError) in try AuthenticationChallenge.parse("Bearer " + header) } == .challengeMalformed)
    }

    @Test func resourceChallenge() throws {
        let challenge = try #require(try ResourceChallenge(headers: [
            #"Basic realm="x""#, #"Bearer error="insufficient_scope", scope="mcp admin", resource_metadata="https://rs.example/.well-known/oauth-protected-resource/mcp""#]))
        #expect(challenge.isInsufficientScope && challenge.scope == "mcp admin")
        #expect(try ResourceChallenge(headers: [#"Basic realm="x""#]) == nil)
        #expect(code { () throws(PKCEError) in try ResourceChallenge(headers: [#"Bearer resource_metadata="http://evil.example/m""#]) } == .urlInsecure)
    }
}

@Suite struct ProtectedResourceTests {
    @Test func canonicalURI() throws {
        #expect(try ProtectedResource.canonicalURI("HTTPS://MCP.Example.com:8443/MCP/") == "https://mcp.example.com:8443/MCP")
        #expect(try ProtectedResource.canonicalURI("https://mcp.example.com/") == "https://mcp.example.com")
        #expect(code { () throws(PKCEError) in try ProtectedResource.canonicalURI("https://mcp.example.com/#f") } == .urlInvalid)
        #expect(code { () throws(PKCEError) in try ProtectedResource.canonicalURI("http://mcp.example.com/mcp") } == .urlInsecure)
    }

    @Test func metadataURLsInTheRFC9728Order() throws {
        #expect(try ProtectedResource.metadataURLs(resource: "https://rs.example/a/mcp") == [
            "https://rs.example/.well-known/oauth-protected-resource/a/mcp", "https://rs.example/.well-known/oauth-protected-resource"])
        #expect(try ProtectedResource.metadataURLs(resource: "https://rs.example") == ["https://rs.example/.well-known/oauth-protected-resource"])
        let named = ResourceChallenge(resourceMetadata: "https://rs.example/prm")
        #expect(try ProtectedResource.metadataURLs(resource: "https://rs.example/mcp", challenge: named) == ["https://rs.example/prm"])
    }

    @Test func coversSegmentBySegment() {
        #expect(ProtectedResource.covers("https://rs.example/api", "https://RS.example/api/v1?x=1"))
        #expect(ProtectedResource.covers("https://rs.example", "https://rs.example/anything"))
        #expect(!ProtectedResource.covers("https://rs.example/api", "https://rs.example/api2"))
        #expect(!ProtectedResource.covers("https://rs.example/api", "https://rs.example:444/api"))
        #expect(!ProtectedResource.covers("https://rs.example/api", "https://evil.example/api"))
    }

    func metadata(_ json: String, requested: String = "https://rs.example/mcp") throws(PKCEError) -> ProtectedResourceMetadata {
        try SecureBytes(json).withBytes { (bytes) throws(PKCEError) in try ProtectedResourceMetadata(json: bytes, requested: requested) }
    }

    @Test func metadataMustBeAboutTheResourceAskedFor() throws {
        let good = try metadata(#"{"resource":"https://rs.example/mcp/","authorization_servers":["http://evil","https://as.example"],"scopes_supported":["mcp"]}"#)
        #expect(good.resource == "https://rs.example/mcp" && good.scopesSupported == ["mcp"])
        #expect(try good.authorizationServer() == "https://as.example")
        #expect(try good.authorizationServer(preferring: "http://evil") == "http://evil")  // listed, and the caller's choice
        #expect(try metadata(#"{"resource":"https://rs.example","authorization_servers":["https://as.example"]}"#).resource == "https://rs.example")
        #expect(code { () throws(PKCEError) in
            try metadata(#"{"resource":"https://evil.example/mcp","authorization_servers":["https://as.example"]}"#)
        } == .resourceMismatch)
        #expect(code { () throws(PKCEError) in
            try metadata(#"{"resource":"https://rs.example/other","authorization_servers":["https://as.example"]}"#)
        } == .resourceMismatch)
        #expect(code { () throws(PKCEError) in try metadata(#"{"resource":"https://rs.example/mcp","authorization_servers":[]}"#) } == .discovery)
        #expect(code { () throws(PKCEError) in
            try metadata(#"{"resource":"https://rs.example/mcp","authorization_servers":["https://as.example"],"bearer_methods_supported":["body"]}"#)
        } == .discovery)
    }

    @Test func scopeUnionKeepsOrderAndDropsRepeats() {
        #expect(ScopeList.union("mcp read", "read admin") == "mcp read admin")
        #expect(ScopeList.union(nil, nil) == nil)
        #expect(ScopeList.contains("mcp admin", "admin") && !ScopeList.contains("mcp", "mcp admin"))
    }
}

@Suite struct ResourceDiscoveryTests {
    static let serverMetadata = #"{"issuer":"https://as.example/t","authorization_endpoint":"https://as.example/t/authorize","token_endpoint":"https://as.example/t/token","registration_endpoint":"https://as.example/t/register","code_challenge_methods_supported":["S256"],"client_id_metadata_document_supported":true}"#

    func answer(_ status: Int, _ body: String = "", challenge: [String] = []) throws(PKCEError) -> HTTPResponse {
        HTTPResponse(status: status, body: try SecureBytes(body), wwwAuthenticate: challenge)
    }

    @Test func fromTheProbeToTheServerInTheMCPOrder() throws {
        let discovery = try ResourceDiscovery(resource: "https://RS.example/mcp")
        #expect(try discovery.nextRequest()?.url == "https://RS.example/mcp")
        try discovery.handle(answer(401, challenge: [#"Bearer error="invalid_token""#]))
        #expect(try discovery.nextRequest()?.url == "https://rs.example/.well-known/oauth-protected-resource/mcp")
        try discovery.handle(answer(404))
        #expect(try discovery.nextRequest()?.url == "https://rs.example/.well-known/oauth-protected-resource")
        try discovery.handle(answer(200, #"{"resource":"https://rs.example","authorization_servers":["https://as.example/t"],"scopes_supported":["a","b"]}"#))
        #expect(try discovery.nextRequest()?.url == "https://as.example/.well-known/oauth-authorization-server/t")
        try discovery.handle(answer(404))
        #expect(try discovery.nextRequest()?.url == "https://as.example/.well-known/openid-configuration/t")
        try discovery.handle(answer(404))
        #expect(try discovery.nextRequest()?.url == "https://as.example/t/.well-known/openid-configuration")
        try discovery.handle(answer(200, Self.serverMetadata))
        #expect(try discovery.nextRequest() == nil && discovery.step == .done)
        let found = try #require(discovery.result)
        #expect(found.resource == "https://rs.example" && found.issuer == "https://as.example/t")
        #expect(found.scope(for: nil) == "a b" && found.scope(for: ResourceChallenge(scope: "c")) == "c")
        let client = try found.configuration(clientID: "id", redirectURI: "http://127.0.0.1:9/cb", scope: "a",
                                             settingsOf: ClientConfiguration(unregistered: ()))
        let attempt = try AuthorizationAttempt(client: client)
        #expect(try attempt.authorizationURL().contains("&resource=https%3A%2F%2Frs.example"))
        #expect(code { () throws(PKCEError) in try attempt.addParameter("resource", "https://evil.example") } == .parameterReserved)
        let refresh = try client.refreshRequest(refreshToken: "rt")
        #expect(refresh.fieldNames.contains("resource"))
        var device = client
        try device.setDeviceAuthorizationEndpoint("https://as.example/t/device")
        #expect(try device.deviceAuthorizationRequest().fieldNames.contains("resource"))
    }

    @Test func metadataWithoutChallengeMethodsIsRefusedInTheMCPProfile() throws {
        let discovery = try ResourceDiscovery(resource: "https://rs.example/mcp", challenge: ResourceChallenge(resourceMetadata: "https://rs.example/prm"))
        #expect(try discovery.nextRequest()?.url == "https://rs.example/prm")
        try discovery.handle(answer(200, #"{"resource":"https://rs.example/mcp","authorization_servers":["https://as.example"]}"#))
        let json = #"{"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t"}"#
        #expect(code { () throws(PKCEError) in try discovery.handle(answer(200, json)) } == .pkceNotAdvertised)
    }

    @Test func aNamedMetadataURLHasNoFallback() throws {
        let discovery = try ResourceDiscovery(resource: "https://rs.example/mcp", challenge: ResourceChallenge(resourceMetadata: "https://rs.example/prm"))
        #expect(code { () throws(PKCEError) in try discovery.handle(answer(404)) } == .discovery)
    }

    @Test func registrationRequestAnswerAndRecords() throws {
        let found = try SecureBytes(Self.serverMetadata).withBytes { (json) throws(PKCEError) in
            try DiscoveredResource(resource: "https://rs.example/mcp", issuer: "https://as.example/t", resourceScopes: ["mcp"], serverMetadata: json)
        }
        let request = try found.registrationRequest(redirectURI: "http://127.0.0.1:5000/callback", clientName: "Tool", scope: "mcp")
        #expect(request.url == "https://as.example/t/register")
        #expect(request.body.string == #"{"client_name":"Tool","redirect_uris":["http://127.0.0.1:5000/callback"],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none","application_type":"native","scope":"mcp"}"#)
        let registered = try ClientRegistration(answer: answer(201, #"{"client_id":"c1","client_secret":"s","redirect_uris":["http://127.0.0.1:5000/callback"],"token_endpoint_auth_method":"none"}"#),
                                                issuer: found.issuer, redirectURI: "http://127.0.0.1:5000/callback", scope: "mcp")
        #expect(registered.clientID == "c1" && registered.allows(scope: "mcp") && !registered.allows(scope: "mcp admin"))
        #expect(code { () throws(PKCEError) in
            try ClientRegistration(answer: answer(201, #"{"client_id":"c1","token_endpoint_auth_method":"client_secret_basic"}"#),
                                   issuer: found.issuer, redirectURI: "http://127.0.0.1:5000/callback")
        } == .registration)
        #expect(code { () throws(PKCEError) in
            try ClientRegistration(answer: answer(400, #"{"error":"invalid_redirect_uri"}"#), issuer: found.issuer, redirectURI: "http://127.0.0.1:5000/callback")
        } == .oauth)
        let document = try found.metadataDocumentClient("https://app.example/client.json", redirectURI: "http://127.0.0.1:5000/callback")
        #expect(document.clientID == "https://app.example/client.json")
        #expect(code { () throws(PKCEError) in try found.metadataDocumentClient("http://app.example/c.json", redirectURI: "http://127.0.0.1:5/cb") } == .urlInsecure)
        #expect(code { () throws(PKCEError) in try found.metadataDocumentClient("https://app.example/", redirectURI: "http://127.0.0.1:5/cb") } == .urlInvalid)
        let kept = try registered.record().withUnsafeBufferPointer { (json) throws(PKCEError) in try ClientRegistration(record: json) }
        #expect(kept == registered)
        let record = try found.record(discoveredAt: 1000)
        let again = try record.withUnsafeBufferPointer { (json) throws(PKCEError) in try DiscoveredResource(record: json, now: 2000) }
        #expect(again?.resource == "https://rs.example/mcp" && again?.serverMetadata == found.serverMetadata)
        let stale = try record.withUnsafeBufferPointer { (json) throws(PKCEError) in
            try DiscoveredResource(record: json, now: 1000 + DiscoveredResource.recordLifetime)
        }
        #expect(stale == nil)
    }
}
