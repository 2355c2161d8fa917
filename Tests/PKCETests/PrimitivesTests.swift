import COpenSSL
import Testing
@testable import PKCE

@Suite struct PrimitivesTests {
    let rfcVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    @Test func rfc7636AppendixB() throws {
        #expect(try PKCE.challenge(for: rfcVerifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(try PKCE.challenge(for: rfcVerifier, method: .plain) == rfcVerifier)
    }

    @Test func neverTheKnownWrongAnswers() throws {
        let challenge = try PKCE.challenge(for: rfcVerifier)
        #expect(challenge != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM=")
        #expect(challenge != "MTNkMzFlOTYxYTFhZDhlYzJmMTZiMTBjNGM5ODJlMDg3NmE4NzhhZDZkZjE0NDU2NmVlMTg5NGFjYjcwZjljMw")
        #expect(!challenge.contains("=") && !challenge.contains("+") && !challenge.contains("/"))
    }

    @Test(arguments: [43, 44, 64, 100, 127, 128])
    func generatedVerifiersAreValid(length: Int) throws {
        let verifier = try PKCE.generateVerifier(length: length)
        #expect(verifier.count == length)
        try verifier.withBytes { bytes throws(PKCEError) in try PKCE.checkVerifier(bytes) }
        #expect(verifier.string.utf8.allSatisfy { Base64URL.alphabet.description.utf8.contains($0) })
    }

    @Test(arguments: [0, 42, 129, -1])
    func outOfRangeLengthsAreRefused(length: Int) {
        #expect(throws: PKCEError(.verifierLength)) { try PKCE.generateVerifier(length: length) }
    }

    @Test func checkRefusesBadVerifiers() {
        #expect(throws: PKCEError(.verifierLength)) { try PKCE.challenge(for: String(repeating: "a", count: 42)) }
        #expect(throws: PKCEError(.verifierLength)) { try PKCE.challenge(for: String(repeating: "a", count: 129)) }
        #expect(throws: PKCEError(.verifierCharset)) { try PKCE.challenge(for: String(repeating: "a", count: 42) + "=") }
        #expect(throws: PKCEError(.verifierCharset)) { try PKCE.challenge(for: String(repeating: "a", count: 42) + "é") }
        #expect(throws: Never.self) { try PKCE.challenge(for: String(repeating: "~", count: 43)) }
    }

    /// Every verifier length, against SHA-256 by OpenSSL's one-shot call and
    /// the RFC 4648 encoder of `base64URLMatchesRFC4648Vectors`; and one
    /// refused character at every position of every length, which the
    /// challenge must see although it reads the verifier as it hashes it.
    @Test func challengeOfEveryLengthAndEveryRefusedPosition() throws {
        for n in PKCE.verifierLengths {
            var verifier = (0..<n).map { Base64URL.alphabet.utf8Start[($0 &* 7 &+ n) % 64] }
            var digest = [UInt8](repeating: 0, count: 32)
            _ = COpenSSL.SHA256(verifier, n, &digest)
            let expected = digest.withUnsafeBufferPointer { bytes in
                String(unsafeUninitializedCapacity: 43) { out in Base64URL.encode(bytes, into: out.baseAddress!); return 43 }
            }
            #expect(try verifier.withUnsafeBufferPointer { (bytes) throws(PKCEError) in try PKCE.challenge(for: bytes) } == expected)
            for position in 0..<n {
                let kept = verifier[position]
                verifier[position] = UInt8(ascii: "=")
                #expect(throws: PKCEError(.verifierCharset), "length \(n), position \(position)") {
                    try verifier.withUnsafeBufferPointer { (bytes) throws(PKCEError) in try PKCE.challenge(for: bytes) }
                }
                verifier[position] = kept
            }
        }
    }

    @Test func base64URLMatchesRFC4648Vectors() {
        // RFC 4648 section 10, with padding removed
        let vectors = [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"),
                       ("foobar", "Zm9vYmFy"), ("\u{FB}\u{FF}", "w7vDvw")]
        for (input, expected) in vectors {
            var input = input
            let encoded = input.withUTF8 { bytes in
                String(unsafeUninitializedCapacity: Base64URL.encodedLength(bytes.count)) { out in
                    Base64URL.encode(bytes, into: out.baseAddress!)
                    return Base64URL.encodedLength(bytes.count)
                }
            }
            #expect(encoded == expected)
        }
    }

    @Test func randomStringsAreFreshAndInRange() throws {
        let a = try PKCE.randomString(), b = try PKCE.randomString()
        #expect(a.count == 43 && a != b)
        #expect(try PKCE.randomString(length: 22).count == 22)
        #expect(throws: PKCEError(.length)) { try PKCE.randomString(length: 21) }
        #expect(throws: PKCEError(.length)) { try PKCE.randomString(length: 129) }
    }

    @Test func constantTimeEquality() {
        #expect(PKCE.constantTimeEquals("state-value", "state-value"))
        #expect(!PKCE.constantTimeEquals("state-value", "state-valuE"))
        #expect(!PKCE.constantTimeEquals("state-value", "state-valu"))
        #expect(PKCE.constantTimeEquals("", ""))
    }

    /// More draws than one 4 KiB pool holds, across refills: all distinct.
    @Test func poolRefillsKeepProducingFreshVerifiers() throws {
        var seen = Set<String>()
        for _ in 0..<1000 { seen.insert(try PKCE.generateVerifier(length: 128).string) }
        #expect(seen.count == 1000)
    }
}
