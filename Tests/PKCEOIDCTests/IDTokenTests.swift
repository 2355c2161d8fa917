import COpenSSL
import Testing
@testable import PKCE
@testable import PKCEOIDC

/// ID tokens signed here with a fixed Ed25519 key (OpenSSL's EVP_DigestSign),
/// so that every claim rule is exercised without a server; the C and Python
/// suites do the same against tokens made by Authlib and joserfc.
@Suite struct IDTokenTests {
    static let seed: [UInt8] = (0..<32).map { UInt8($0 &* 7 &+ 3) }

    /// The public half of `seed`, as a JWKS.
    static let jwks: String = {
        let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, seed.count)
        var publicKey = [UInt8](repeating: 0, count: 32), length = 32
        EVP_PKEY_get_raw_public_key(key, &publicKey, &length)
        EVP_PKEY_free(key)
        let x = publicKey.withUnsafeBufferPointer { try! Base64URL.encoded($0).string }
        return #"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"\#(x)"}]}"#
    }()

    static func b64(_ text: String) -> String {
        var text = text
        return text.withUTF8 { try! Base64URL.encoded($0).string }
    }

    /// header.payload, signed with the seed's key.
    static func sign(_ payload: String, header: String = #"{"alg":"EdDSA","kid":"k1"}"#) -> String {
        let input = b64(header) + "." + b64(payload)
        let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, seed.count)
        let context = EVP_MD_CTX_new()
        var signature = [UInt8](repeating: 0, count: 64), length = 64
        EVP_DigestSignInit(context, nil, nil, nil, key)
        _ = Array(input.utf8).withUnsafeBufferPointer { EVP_DigestSign(context, &signature, &length, $0.baseAddress, $0.count) }
        EVP_MD_CTX_free(context)
        EVP_PKEY_free(key)
        return input + "." + signature.withUnsafeBufferPointer { try! Base64URL.encoded($0).string }
    }

    static let now: Int64 = 1_800_000_000

    static func claims(_ changes: [String: String] = [:], drop: Set<String> = []) -> String {
        var members: [String: String] = [
            "iss": #""https://as.example""#, "sub": #""u1""#, "aud": #""client-1""#,
            "exp": "\(now + 600)", "iat": "\(now)", "nonce": #""n1""#, "email": #""ada@example.com""#,
        ]
        for (name, value) in changes { members[name] = value }
        return "{" + members.filter { !drop.contains($0.key) }.sorted { $0.key < $1.key }
            .map { #""\#($0.key)":\#($0.value)"# }.joined(separator: ",") + "}"
    }

    func expectations(nonce: String? = "n1") -> IDToken.Expectations {
        var e = IDToken.Expectations(issuer: "https://as.example", clientID: "client-1", now: Self.now)
        e.nonce = nonce.map { try! SecureBytes($0) }
        return e
    }

    func verify(_ token: String, _ e: IDToken.Expectations? = nil) throws(PKCEError) -> IDTokenClaims {
        let keys = try SecureBytes(Self.jwks).withBytes { json throws(PKCEError) in try JSONWebKeySet(json: json) }
        return try IDToken(token).verified(with: keys, expecting: e ?? expectations())
    }

    func code(_ token: String, _ e: IDToken.Expectations? = nil) -> PKCEError.Code? {
        do { _ = try verify(token, e); return nil } catch { return error.code }
    }

    @Test func aGoodToken() throws {
        let claims = try verify(Self.sign(Self.claims()))
        #expect(claims.subject.string == "u1")
        #expect(try claims.string("email")?.string == "ada@example.com")
        #expect(claims.jsonText("exp").map { String(decoding: $0, as: UTF8.self) } == "\(Self.now + 600)")
    }

    @Test func claimRules() throws {
        let cases: [(String, PKCEError.Code)] = [
            (Self.claims(["iss": #""https://evil.example""#]), .idTokenClaim),
            (Self.claims(drop: ["iss"]), .idTokenClaim),
            (Self.claims(drop: ["sub"]), .idTokenClaim),
            (Self.claims(["aud": #""other""#]), .idTokenClaim),
            (Self.claims(["aud": #"["client-1","other"]"#]), .idTokenClaim),          // no azp
            (Self.claims(["aud": #"["client-1"]"#, "azp": #""other""#]), .idTokenClaim),
            (Self.claims(["aud": "7"]), .idTokenClaim),
            (Self.claims(["exp": "\(Self.now - 61)"]), .idTokenExpired),
            (Self.claims(drop: ["exp"]), .idTokenClaim),
            (Self.claims(["iat": "\(Self.now + 61)"]), .idTokenClaim),
            (Self.claims(["iat": #""yesterday""#]), .idTokenClaim),
            (Self.claims(["nbf": "\(Self.now + 61)"]), .idTokenClaim),
            (Self.claims(["nonce": #""n2""#]), .idTokenNonce),
            (Self.claims(drop: ["nonce"]), .idTokenNonce),
        ]
        for (payload, expected) in cases {
            #expect(code(Self.sign(payload)) == expected, "\(payload)")
        }
        // Within the clock skew; several audiences with azp; a fractional time.
        #expect(code(Self.sign(Self.claims(["exp": "\(Self.now - 59)", "iat": "\(Self.now + 59)"]))) == nil)
        #expect(code(Self.sign(Self.claims(["aud": #"["client-1","other"]"#, "azp": #""client-1""#]))) == nil)
        #expect(code(Self.sign(Self.claims(["iat": "\(Self.now).5"]))) == nil)
        // A refresh: no nonce expected, and the subject must stay.
        var refresh = expectations(nonce: nil)
        #expect(code(Self.sign(Self.claims(drop: ["nonce"])), refresh) == nil)
        refresh.subject = try SecureBytes("u2")
        #expect(code(Self.sign(Self.claims()), refresh) == .idTokenClaim)
    }

    @Test func maxAgeAndAtHash() throws {
        var e = expectations()
        e.maxAge = 300
        #expect(code(Self.sign(Self.claims()), e) == .idTokenClaim)                                  // no auth_time
        #expect(code(Self.sign(Self.claims(["auth_time": "\(Self.now - 100)"])), e) == nil)
        #expect(code(Self.sign(Self.claims(["auth_time": "\(Self.now - 400)"])), e) == .idTokenClaim)
        e = expectations()
        e.accessToken = try SecureBytes("access-token-1")
        let atHash = try #require(try IDToken.atHash(try SecureBytes("access-token-1"), .edDSA)).string
        #expect(atHash.count == 43)  // half of SHA-512: 32 bytes
        #expect(code(Self.sign(Self.claims(["at_hash": "\"\(atHash)\""])), e) == nil)
        #expect(code(Self.sign(Self.claims(["at_hash": #""AAAA""#])), e) == .idTokenClaim)
        e.accessToken = nil  // no access token: at_hash is not checked
        #expect(code(Self.sign(Self.claims(["at_hash": #""AAAA""#])), e) == nil)
    }

    @Test func signatureAndAlgorithm() throws {
        let good = Self.sign(Self.claims())
        var tampered = Array(good.utf8)
        tampered[tampered.count - 5] = tampered[tampered.count - 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(code(String(decoding: tampered, as: UTF8.self)) == .idTokenSignature)
        let parts = good.split(separator: ".")
        #expect(code(Self.b64(#"{"alg":"none"}"#) + "." + parts[1] + ".") == .idTokenAlgorithm)
        #expect(code(Self.b64(#"{"alg":"HS256","kid":"k1"}"#) + "." + parts[1] + "." + parts[2]) == .idTokenAlgorithm)
        // The right key type only: an EdDSA key cannot check RS256.
        #expect(code(Self.sign(Self.claims(), header: #"{"alg":"RS256","kid":"k1"}"#)) == .idTokenKeyNotFound)
        #expect(code(Self.sign(Self.claims(), header: #"{"alg":"EdDSA","kid":"k2"}"#)) == .idTokenKeyNotFound)
        // No kid: any key of the right type may verify.
        #expect(code(Self.sign(Self.claims(), header: #"{"alg":"EdDSA"}"#)) == nil)
        var e = expectations()
        e.algorithms = ["RS256"]
        #expect(code(good, e) == .idTokenAlgorithm)
    }

    @Test(arguments: [
        "a.b", "a.b.c.d", "", "..",
        "eyJhbGciOiJFZERTQSJ9=.e30.AA",             // padding
        "eyJhbGciOiJFZERTQSJ9.W10.AA",              // payload an array
        "e30.e30.AA",                               // no alg
        "eyJhbGciOiJFZERTQSIsImNyaXQiOlsiYiJdfQ.e30.AA",  // crit
    ])
    func malformed(_ token: String) {
        #expect(throws: PKCEError.self) { try IDToken(token) }
        do { _ = try IDToken(token) } catch { #expect(error.code == .idTokenMalformed) }
    }

    @Test func tooLong() {
        let long = String(repeating: "a", count: IDToken.maxLength + 1)
        do { _ = try IDToken(long); Issue.record("accepted") } catch { #expect(error.code == .idTokenMalformed) }
    }
}

@Suite struct JSONWebKeyTests {
    func keys(_ json: String) throws(PKCEError) -> JSONWebKeySet {
        try SecureBytes(json).withBytes { j throws(PKCEError) in try JSONWebKeySet(json: j) }
    }

    /// RFC 8037 Appendix A.4: Ed25519 over "Example of Ed25519 signing".
    @Test func rfc8037Ed25519() throws {
        let set = try keys(#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#)
        let input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
        var signatureText = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        let signature = try #require(signatureText.withUTF8 { try! Base64URL.decode($0) })
        let key = try #require(set.candidates(for: .edDSA, keyID: nil).first)
        try SecureBytes(input).withBytes { data throws(PKCEError) in
            try key.verify(.edDSA, signature: signature.buffer, over: data)
        }
        #expect(throws: PKCEError(.idTokenSignature)) {
            try SecureBytes(input + "x").withBytes { data throws(PKCEError) in
                try key.verify(.edDSA, signature: signature.buffer, over: data)
            }
        }
    }

    /// DPoP proofs' ES256 signatures, turned from OpenSSL's DER into r || s
    /// by hand, verify with the key's public JWK; among 3000 of them some r
    /// or s is shorter than 32 bytes in DER (each is, 1 time in 256), so the
    /// padding is exercised (the chance that none is: under 1 in 10^10).
    @Test func dpopProofSignaturesVerify() throws {
        let dpop = try DPoPKey(algorithm: .es256)
        let key = try #require(try keys(#"{"keys":[\#(dpop.publicJWK)]}"#).candidates(for: .es256, keyID: nil).first)
        var short = 0
        for _ in 0..<3000 {
            let proof = try dpop.proof(method: "POST", url: "https://as.example/token")
            let dot = try #require(proof.lastIndex(of: "."))
            var signatureText = String(proof[proof.index(after: dot)...])
            let signature = try #require(signatureText.withUTF8 { try! Base64URL.decode($0) })
            #expect(signature.count == 64)
            if signature.buffer[0] == 0 || signature.buffer[32] == 0 { short += 1 }
            try SecureBytes(String(proof[..<dot])).withBytes { data throws(PKCEError) in
                try key.verify(.es256, signature: signature.buffer, over: data)
            }
        }
        #expect(short > 0)
    }

    @Test func unusableOrForeignKeys() throws {
        // Symmetric and unknown key types, and other curves, are skipped.
        let skipped = try keys(#"{"keys":[{"kty":"oct","k":"c2VjcmV0"},{"kty":"XYZ"},{"kty":"OKP","crv":"X25519","x":"AA"}]}"#)
        #expect(skipped.keys.isEmpty)
        // A 1024-bit RSA modulus is too weak; a key missing `e` is malformed.
        let n1024 = [UInt8](repeating: 0xC1, count: 128).withUnsafeBufferPointer { try! Base64URL.encoded($0).string }
        #expect(throws: PKCEError.self) { try keys(#"{"keys":[{"kty":"RSA","n":"\#(n1024)","e":"AQAB"}]}"#) }
        #expect(throws: PKCEError.self) { try keys(#"{"keys":[{"kty":"RSA","n":"\#(n1024)"}]}"#) }
        #expect(throws: PKCEError.self) { try keys(#"{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}"#) }
        #expect(throws: PKCEError.self) { try keys(#"{"nokeys":[]}"#) }
        #expect(throws: PKCEError.self) { try keys(#"{"keys":[1]}"#) }
    }

    @Test func useAlgAndKeyOpsLimitAKey() throws {
        func candidates(_ extra: String) throws -> Int {
            try keys(#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"\#(extra)}]}"#)
                .candidates(for: .edDSA, keyID: "a").count
        }
        #expect(try candidates("") == 1)
        #expect(try candidates(#","use":"sig""#) == 1)
        #expect(try candidates(#","use":"enc""#) == 0)
        #expect(try candidates(#","alg":"EdDSA""#) == 1)
        #expect(try candidates(#","alg":"ES256""#) == 0)
        #expect(try candidates(#","key_ops":["verify"]"#) == 1)
        #expect(try candidates(#","key_ops":["encrypt"]"#) == 0)
    }

    @Test func base64URLDecodingIsStrict() {
        func decode(_ text: String) -> String? {
            var text = text
            return text.withUTF8 { try! Base64URL.decode($0) }.map { String(decoding: $0.buffer, as: UTF8.self) }
        }
        #expect(decode("Zm9vYmFy") == "foobar" && decode("Zm9vYg") == "foob" && decode("") == "")
        #expect(decode("Zm9vYg==") == nil)   // padding
        #expect(decode("Zm9vYh") == nil)     // leftover bits set
        #expect(decode("Zm9v+g") == nil)     // standard alphabet
        #expect(decode("Z") == nil)          // impossible length
    }
}
