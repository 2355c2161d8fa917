import Synchronization
import Testing
@testable import PKCE

/// The JSON object a base64url JWS part holds, as text.
private func decoded(_ part: Substring) throws -> String {
    let text = Array(part.utf8)
    let bytes = try text.withUnsafeBufferPointer { (b) throws(PKCEError) in try Base64URL.decode(b) }
    return try #require(bytes).string
}

/// Log lines collected from any thread.
private final class LogLines: @unchecked Sendable {
    private let mutex = Mutex<[String]>([])
    func append(_ line: String) { mutex.withLock { $0.append(line) } }
    var all: [String] { mutex.withLock { $0 } }
}

@Suite struct DPoPTests {
    /// RFC 7638 3.1's example key and thumbprint.
    @Test func thumbprintOfRFC7638Example() {
        let jwk = #"{"e":"AQAB","kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}"#
        #expect(DPoPKey.thumbprint(ofJWK: jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }

    @Test(arguments: DPoPAlgorithm.allCases)
    func keysOfEachAlgorithmAndTheirPEM(_ algorithm: DPoPAlgorithm) throws {
        let key = try DPoPKey(algorithm: algorithm)
        #expect(key.algorithm == algorithm)
        let members = ["ES256": #"{"crv":"P-256","kty":"EC","x":""#, "EdDSA": #"{"crv":"Ed25519","kty":"OKP","x":""#,
                       "RS256": #"{"e":"AQAB","kty":"RSA","n":""#]
        #expect(key.publicJWK.hasPrefix(try #require(members[algorithm.rawValue])))
        #expect(key.thumbprint.utf8.count == 43 && key.thumbprint == DPoPKey.thumbprint(ofJWK: key.publicJWK))
        let pem = try key.pem()
        #expect(pem.string.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let again = try pem.withBytes { (bytes) throws(PKCEError) in try DPoPKey(pem: bytes) }
        #expect(again.algorithm == algorithm && again.thumbprint == key.thumbprint)
        #expect(try DPoPKey(algorithm: algorithm).thumbprint != key.thumbprint)
    }

    @Test func refusedPEM() {
        for text in ["", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a key"] {
            let bytes = Array(text.utf8)
            #expect(code { () throws(PKCEError) in try bytes.withUnsafeBufferPointer { (b) throws(PKCEError) in try DPoPKey(pem: b) } } == .dpopKey)
        }
    }

    @Test func proofHeaderAndClaims() throws {
        let key = try DPoPKey()
        let token = Array("an-access-token".utf8)
        let proof = try token.withUnsafeBufferPointer { (bytes) throws(PKCEError) in
            try key.proof(method: "POST", url: "https://as.example/token?x=1#f", nonce: "n-1", accessToken: bytes, now: 1_700_000_000)
        }
        let parts = proof.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 3 && !proof.contains("=") && !proof.contains("+") && !proof.contains("/"))
        #expect(try decoded(parts[0]) == #"{"typ":"dpop+jwt","alg":"ES256","jwk":"# + key.publicJWK + "}")
        let claims = try decoded(parts[1])
        let jti = try #require(claims.split(separator: "\"").dropFirst(3).first)
        #expect(jti.count == 22)  // 16 random bytes
        // SHA-256("an-access-token") in base64url.
        let ath = #""ath":"YiHPD2T9DaX5B837XJXto32BKkT6ZcpVAT6si9f5KiY""#
        #expect(claims.hasSuffix(#""htm":"POST","htu":"https://as.example/token","iat":1700000000,"nonce":"n-1","# + ath + "}"))
        let signature = Array(parts[2].utf8)
        let signatureBytes = try signature.withUnsafeBufferPointer { (b) throws(PKCEError) in try Base64URL.decode(b) }
        #expect(signatureBytes?.count == 64)  // r || s, not DER
        let other = try key.proof(method: "POST", url: "https://as.example/token")
        let otherClaims = try decoded(other.split(separator: ".")[1])
        #expect(!other.contains(String(jti)) && !otherClaims.contains("nonce"))
    }

    @Test func nonceSyntaxAndBound() {
        #expect(DPoPNonces.parse(" eyJ7S_zG.9-z\t") == "eyJ7S_zG.9-z")
        for bad in ["", "  ", "a\"b", "a\\b", "a b", "é", String(repeating: "n", count: DPoPNonces.maxLength + 1)] {
            #expect(DPoPNonces.parse(bad) == nil)
        }
        let nonces = DPoPNonces()
        #expect(nonces.remember("one", for: "HTTPS://AS.example:8443/token?x"))
        #expect(nonces.nonce(for: "https://as.example:8443/par") == "one")
        #expect(nonces.nonce(for: "https://as.example/par") == nil)
        #expect(!nonces.remember("bad nonce", for: "https://as.example:8443/") && nonces.nonce(for: "https://as.example:8443") == "one")
        for i in 0..<(DPoPNonces.capacity + 4) { nonces.remember("n\(i)", for: "https://s\(i).example/") }
        #expect(nonces.all.count == DPoPNonces.capacity && nonces.nonce(for: "https://as.example:8443/") == nil)
        #expect(nonces.nonce(for: "https://s19.example/x") == "n19")
    }

    private func answer(_ status: Int, _ body: String = "", nonce: String? = nil,
                        challenge: [String] = []) throws(PKCEError) -> HTTPResponse {
        HTTPResponse(status: status, body: try SecureBytes(body), wwwAuthenticate: challenge, dpopNonce: nonce)
    }

    @Test func requestsCarryProofsAndRetryOnceForANonce() throws {
        var configuration = try ClientConfiguration(clientID: "app", redirectURI: "http://127.0.0.1/cb")
        try configuration.setTokenEndpoint("https://as.example/token")
        try configuration.useDPoP(algorithm: .edDSA)
        let key = try #require(configuration.dpopKey)
        let request = try configuration.refreshRequest(refreshToken: "rt")
        func proof() -> String { request.extraHeaders.first { $0.name.string == "DPoP" }?.value.string ?? "" }
        let first = proof()
        #expect(request.dpopKey === key && first.split(separator: ".").count == 3)
        // A nonce in a success replaces the remembered one; no retry.
        #expect(try !request.handleDPoPAnswer(answer(200, #"{"access_token":"a"}"#, nonce: "n1")))
        #expect(key.nonces.nonce(for: "https://as.example/") == "n1" && proof() == first)
        let askedFor = try answer(400, #"{"error":"use_dpop_nonce"}"#, nonce: "n2")
        #expect(try request.handleDPoPAnswer(askedFor))
        let resent = try decoded(proof().split(separator: ".")[1])
        #expect(proof() != first && resent.contains(#""nonce":"n2""#))
        #expect(code { () throws(PKCEError) in try request.handleDPoPAnswer(askedFor) } == .dpopNonce)
        // A request for a nonce without one to use is an error at once.
        try configuration.setRevocationEndpoint("https://as.example/revoke")
        let other = try SecureBytes("t").withBytes { (t) throws(PKCEError) in try configuration.revocationRequest(token: t) }
        #expect(code { () throws(PKCEError) in try other.handleDPoPAnswer(answer(400, #"{"error":"use_dpop_nonce"}"#)) } == .dpopNonce)
        // Other errors are not retried; a resource asks with a 401 DPoP challenge.
        #expect(try !other.handleDPoPAnswer(answer(400, #"{"error":"invalid_grant"}"#, nonce: "n3")))
        #expect(try other.handleDPoPAnswer(answer(401, nonce: "n4", challenge: [#"DPoP error="use_dpop_nonce", algs="ES256""#])))
        #expect(try !other.handleDPoPAnswer(answer(401, challenge: [#"Bearer error="invalid_token""#])))
    }

    @Test func theDeviceAuthorizationRequestCarriesNoProofAndAClientWithoutAKeyNone() throws {
        var configuration = try ClientConfiguration(clientID: "app", redirectURI: "http://127.0.0.1/cb")
        try configuration.setTokenEndpoint("https://as.example/token")
        try configuration.setDeviceAuthorizationEndpoint("https://as.example/device")
        #expect(try configuration.refreshRequest(refreshToken: "rt").dpopKey == nil)
        try configuration.useDPoP(algorithm: nil)
        #expect(try configuration.deviceAuthorizationRequest().extraHeaders.isEmpty)
        configuration.useDPoP(nil)
        #expect(try configuration.refreshRequest(refreshToken: "rt").extraHeaders.isEmpty)
    }

    @Test func dpopJKTInTheAuthorizationRequest() throws {
        var configuration = try ClientConfiguration(clientID: "app", redirectURI: "http://127.0.0.1/cb")
        try configuration.setAuthorizationEndpoint("https://as.example/authorize")
        try configuration.useDPoP(algorithm: .es256)
        let thumbprint = try #require(configuration.dpopKey?.thumbprint)
        #expect(!(try AuthorizationAttempt(client: configuration).authorizationURL()).contains("dpop_jkt"))
        configuration.sendsDPoPThumbprint = true
        let attempt = try AuthorizationAttempt(client: configuration)
        #expect(try attempt.authorizationURL().contains("&dpop_jkt=\(thumbprint)"))
        #expect(code { () throws(PKCEError) in try attempt.addParameter("dpop_jkt", "x") } == .parameterReserved)
    }

    @Test func discoveryChoosesAnAlgorithmTheServerLists() throws {
        func metadata(_ algs: String) -> [UInt8] {
            Array(#"{"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t","dpop_signing_alg_values_supported":[\#(algs)]}"#.utf8)
        }
        var chosenByLibrary = try ClientConfiguration(clientID: "app", redirectURI: "http://127.0.0.1/cb")
        try chosenByLibrary.useDPoP(algorithm: nil)
        try metadata(#""PS256","EdDSA""#).withUnsafeBufferPointer { (json) throws(PKCEError) in
            try chosenByLibrary.applyMetadata(issuer: "https://as.example", json: json)
        }
        #expect(chosenByLibrary.dpopKey?.algorithm == .edDSA && chosenByLibrary.dpopAlgorithmsSupported == ["PS256", "EdDSA"])
        var chosenByCaller = try ClientConfiguration(clientID: "app", redirectURI: "http://127.0.0.1/cb")
        try chosenByCaller.useDPoP(algorithm: .rs256)
        try metadata(#""ES256""#).withUnsafeBufferPointer { (json) throws(PKCEError) in
            try chosenByCaller.applyMetadata(issuer: "https://as.example", json: json)
        }
        #expect(chosenByCaller.dpopKey?.algorithm == .rs256)
    }

    @Test func boundTokensAndDowngrades() throws {
        let key = try DPoPKey()
        let bound = try TokenResponse(httpStatus: 200, body: #"{"access_token":"a","token_type":"dpop"}"#)
        try bound.checkBinding(to: key, required: true, log: nil)
        #expect(bound.isDPoPBound && bound.dpopKey === key)
        let bearer = try TokenResponse(httpStatus: 200, body: #"{"access_token":"a","token_type":"Bearer"}"#)
        #expect(code { () throws(PKCEError) in try bearer.checkBinding(to: key, required: true, log: nil) } == .dpopNotBound)
        let lines = LogLines()
        try bearer.checkBinding(to: key, required: false, log: Log(level: .warning) { _, line in lines.append(line) })
        #expect(!bearer.isDPoPBound && bearer.dpopKey === key && lines.all.contains { $0.contains("not bound") })
    }

    @Test func headerPairForAResource() throws {
        let key = try DPoPKey()
        let token = Array("tok".utf8)
        let (authorization, proof) = try token.withUnsafeBufferPointer { (bytes) throws(PKCEError) in
            try key.headers(method: "GET", url: "https://rs.example/api", accessToken: bytes, nonce: "rs-nonce")
        }
        let claims = try decoded(proof.string.split(separator: ".")[1])
        #expect(authorization.string == "DPoP tok" && claims.contains(#""nonce":"rs-nonce","ath""#))
        #expect(key.nonces.nonce(for: "https://rs.example/other") == "rs-nonce")
        #expect(code { () throws(PKCEError) in
            try token.withUnsafeBufferPointer { (bytes) throws(PKCEError) in try key.headers(method: "GET", url: "https://rs.example/", accessToken: bytes, nonce: "a b") }
        } == .invalidArgument)
    }
}

@Suite struct DPoPResourceTests {
    static let serverMetadata = Array(#"{"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t","code_challenge_methods_supported":["S256"],"dpop_signing_alg_values_supported":["EdDSA"]}"#.utf8)

    @Test func aResourceThatTakesOnlyBoundTokensTurnsDPoPOn() throws {
        let metadata = Array(#"{"resource":"https://rs.example/mcp","authorization_servers":["https://as.example"],"dpop_bound_access_tokens_required":true}"#.utf8)
        let parsed = try metadata.withUnsafeBufferPointer { (json) throws(PKCEError) in
            try ProtectedResourceMetadata(json: json, requested: "https://rs.example/mcp")
        }
        #expect(parsed.requiresDPoP)
        let found = try Self.serverMetadata.withUnsafeBufferPointer { (json) throws(PKCEError) in
            try DiscoveredResource(resource: parsed.resource, issuer: "https://as.example", resourceScopes: nil,
                                   requiresDPoP: parsed.requiresDPoP, serverMetadata: json)
        }
        let plain = ClientConfiguration(unregistered: ())
        let client = try found.configuration(clientID: "id", redirectURI: "http://127.0.0.1:9/cb", scope: nil, settingsOf: plain)
        #expect(client.dpopKey?.algorithm == .edDSA)  // the one the server lists
        // A key the caller set up goes on, and a kept discovery remembers the requirement.
        var mine = plain
        let key = try DPoPKey(algorithm: .es256)
        mine.useDPoP(key)
        #expect(try found.configuration(clientID: "id", redirectURI: "http://127.0.0.1:9/cb", scope: nil, settingsOf: mine).dpopKey === key)
        let record = try found.record(discoveredAt: 1000)
        let kept = try record.withUnsafeBufferPointer { (bytes) throws(PKCEError) in try DiscoveredResource(record: bytes, now: 1001) }
        #expect(kept?.requiresDPoP == true)
        let bearer = try Self.serverMetadata.withUnsafeBufferPointer { (json) throws(PKCEError) in
            try DiscoveredResource(resource: parsed.resource, issuer: "https://as.example", resourceScopes: nil, serverMetadata: json)
        }
        #expect(try bearer.configuration(clientID: "id", redirectURI: "http://127.0.0.1:9/cb", scope: nil, settingsOf: plain).dpopKey == nil)
    }
}
