import CJOSE
import PKCE

/// An ID token as received: a JWS in compact serialization (RFC 7515 7.1),
/// split and decoded but not yet trusted. `verified` checks it.
public final class IDToken: @unchecked Sendable {
    /// ID tokens are a few KiB; anything near this is hostile.
    public static let maxLength = 64 * 1024

    let token: SecureBytes
    let signingInputLength: Int
    let header: SecureBytes
    let headerDocument: JSONDocument
    let payload: SecureBytes
    let payloadDocument: JSONDocument
    let signature: SecureBytes
    public let algorithmName: String
    public let keyID: String?

    public init(_ text: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        guard text.count <= Self.maxLength else {
            throw PKCEError(.idTokenMalformed, "ID token is longer than \(Self.maxLength) bytes")
        }
        let dots = text.indices.filter { text[$0] == UInt8(ascii: ".") }
        guard dots.count == 2 else { throw PKCEError(.idTokenMalformed, "ID token is not three base64url parts joined by dots") }
        // Only the signature may be empty (an unsigned token, refused later by its alg).
        func part(_ range: Range<Int>, _ what: String) throws(PKCEError) -> SecureBytes {
            guard !range.isEmpty || what == "signature",
                  let decoded = try Base64URL.decode(UnsafeBufferPointer(rebasing: text[range])) else {
                throw PKCEError(.idTokenMalformed, "ID token \(what) is not base64url without padding")
            }
            return decoded
        }
        func object(_ bytes: SecureBytes, _ what: String) throws(PKCEError) -> JSONDocument {
            let document: JSONDocument
            do { document = try JSONDocument(parsing: bytes.buffer) } catch {
                throw PKCEError(.idTokenMalformed, "ID token \(what) is not well-formed JSON: \(error.reason)")
            }
            guard document.nodes[document.root].kind == .object else {
                throw PKCEError(.idTokenMalformed, "ID token \(what) is not a JSON object")
            }
            return document
        }
        token = try SecureBytes(text)
        signingInputLength = dots[1]
        header = try part(0..<dots[0], "header")
        headerDocument = try object(header, "header")
        payload = try part((dots[0] + 1)..<dots[1], "payload")
        payloadDocument = try object(payload, "payload")
        signature = try part((dots[1] + 1)..<text.count, "signature")
        let headerDocument = headerDocument
        func headerString(_ name: String) throws(PKCEError) -> String? {
            try headerDocument.stringMember(name, wrongType: PKCEError(.idTokenMalformed, "ID token header member \(name) is not a string"))?.string
        }
        guard let alg = try headerString("alg") else { throw PKCEError(.idTokenMalformed, "ID token header has no alg") }
        // RFC 7515 4.1.11: extensions a recipient does not understand must be refused.
        guard headerDocument.member("crit") == nil else {
            throw PKCEError(.idTokenMalformed, "ID token header has crit extensions, which libpkce does not support")
        }
        algorithmName = alg
        keyID = try headerString("kid")
    }

    public convenience init(_ text: String) throws(PKCEError) {
        let bytes = try SecureBytes(text)
        try self.init(bytes.buffer)
        withExtendedLifetime(bytes) {}
    }

    /// What the token must match, beyond its signature.
    public struct Expectations: Sendable {
        public var issuer: String
        public var clientID: String
        /// The attempt's nonce; nil for a token from a refresh (OpenID Connect Core 12.2).
        public var nonce: SecureBytes?
        /// The attempt's max_age, when it asked for one: `auth_time` is then required.
        public var maxAge: Int64?
        /// The access token that came with the ID token, for `at_hash`.
        public var accessToken: SecureBytes?
        /// On refresh, the subject of the ID token of the original sign-in.
        public var subject: SecureBytes?
        public var algorithms: Set<String>?
        public var now: Int64
        public var clockSkew: Int64

        public init(issuer: String, clientID: String, now: Int64, clockSkew: Int64 = 60) {
            self.issuer = issuer
            self.clientID = clientID
            self.now = now
            self.clockSkew = clockSkew
        }
    }

    /// Verifies the token with one of `keys` and checks its claims (OpenID
    /// Connect Core 3.1.3.7): the algorithm first, then the signature, and
    /// only then anything the payload says. Throws `.idTokenKeyNotFound` when
    /// no key fits, so that a caller may refetch the JWKS once and try again.
    public func verified(with keys: JSONWebKeySet, expecting e: Expectations) throws(PKCEError) -> IDTokenClaims {
        let algorithm = try SignatureAlgorithm.named(algorithmName, allowed: e.algorithms)
        let candidates = keys.candidates(for: algorithm, keyID: keyID)
        guard !candidates.isEmpty else {
            let named = keyID.map { " with kid \(PKCEError.printable($0))" } ?? ""
            throw PKCEError(.idTokenKeyNotFound, "the JWKS has no \(algorithm.rawValue) key\(named)")
        }
        let signingInput = UnsafeBufferPointer(rebasing: token.buffer[0..<signingInputLength])
        var lastError = PKCEError(.idTokenSignature)
        var verifiedOnce = false
        // A kid names one key; without one, any key of the right kind may have signed.
        for key in candidates {
            do throws(PKCEError) {
                try key.verify(algorithm, signature: signature.buffer, over: signingInput)
                verifiedOnce = true
                break
            } catch { lastError = error }
        }
        guard verifiedOnce else { throw lastError }
        return try checkClaims(algorithm, e)
    }

    private func checkClaims(_ algorithm: SignatureAlgorithm, _ e: Expectations) throws(PKCEError) -> IDTokenClaims {
        let claims = payloadDocument
        func string(_ name: String) throws(PKCEError) -> SecureBytes? {
            try claims.stringMember(name, wrongType: PKCEError(.idTokenClaim, "claim \(name) is not a string"))
        }
        func time(_ name: String) throws(PKCEError) -> Int64? {
            guard let index = claims.member(name) else { return nil }
            guard claims.nodes[index].kind == .number, let value = Self.seconds(claims.text(index)) else {
                throw PKCEError(.idTokenClaim, "claim \(name) is not a number of seconds")
            }
            return value
        }
        func invalid(_ name: String, _ why: String) -> PKCEError { PKCEError(.idTokenClaim, "claim \(name) \(why)") }

        guard let iss = try string("iss") else { throw invalid("iss", "is missing") }
        guard iss.string == e.issuer else { throw invalid("iss", "is not the issuer this client expects") }
        guard let sub = try string("sub"), sub.count > 0 else { throw invalid("sub", "is missing") }
        try checkAudience(e.clientID, string("azp"))

        guard let exp = try time("exp") else { throw invalid("exp", "is missing") }
        guard e.now < exp + e.clockSkew else { throw PKCEError(.idTokenExpired, "the ID token expired \(e.now - exp) s ago") }
        guard let iat = try time("iat") else { throw invalid("iat", "is missing") }
        guard iat <= e.now + e.clockSkew else { throw invalid("iat", "is \(iat - e.now) s in the future") }
        if let nbf = try time("nbf"), nbf > e.now + e.clockSkew { throw invalid("nbf", "is in the future") }

        if let expected = e.nonce {
            guard let nonce = try string("nonce") else { throw PKCEError(.idTokenNonce, "the ID token has no nonce") }
            guard PKCE.constantTimeEquals(nonce.buffer, expected.buffer) else { throw PKCEError(.idTokenNonce) }
        }
        if let maxAge = e.maxAge {
            guard let authTime = try time("auth_time") else { throw invalid("auth_time", "is missing, and max_age was asked for") }
            guard authTime + maxAge + e.clockSkew >= e.now else { throw invalid("auth_time", "is older than max_age allows") }
        }
        if let atHash = try string("at_hash"), let accessToken = e.accessToken {
            guard let expected = try Self.atHash(accessToken, algorithm), PKCE.constantTimeEquals(expected.buffer, atHash.buffer) else {
                throw invalid("at_hash", "does not match the access token")
            }
        }
        if let expected = e.subject {
            guard PKCE.constantTimeEquals(sub.buffer, expected.buffer) else {
                throw invalid("sub", "differs from the subject of the original sign-in")
            }
        }
        return IDTokenClaims(json: payload, document: claims, subject: sub)
    }

    /// `aud` holds the client_id (a string, or an array of strings); with
    /// several audiences `azp` must be present, and `azp` if present must be the client_id.
    private func checkAudience(_ clientID: String, _ azp: SecureBytes?) throws(PKCEError) {
        let claims = payloadDocument
        guard let aud = claims.member("aud") else { throw PKCEError(.idTokenClaim, "claim aud is missing") }
        var audiences: [String] = []
        switch claims.nodes[aud].kind {
        case .string:
            audiences = [claims.plainString(aud)]
        case .array:
            for element in claims.elements(of: aud) {
                guard claims.nodes[element].kind == .string else { throw PKCEError(.idTokenClaim, "claim aud holds a non-string") }
                audiences.append(claims.plainString(element))
            }
        default:
            throw PKCEError(.idTokenClaim, "claim aud is neither a string nor an array")
        }
        guard audiences.contains(clientID) else { throw PKCEError(.idTokenClaim, "claim aud does not name this client") }
        if audiences.count > 1 && azp == nil {
            throw PKCEError(.idTokenClaim, "claim azp is missing, and aud names several audiences")
        }
        if let azp, azp.string != clientID { throw PKCEError(.idTokenClaim, "claim azp is not this client") }
    }

    /// A JSON number as whole seconds (a fraction is cut off, RFC 7519 2 allows one).
    static func seconds(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        let digits = text.prefix { $0 != UInt8(ascii: ".") }
        guard !digits.isEmpty, digits.count <= 15, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              text[digits.count...].dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        return digits.reduce(Int64(0)) { $0 * 10 + Int64($1 - 0x30) }
    }

    /// at_hash: base64url of the left half of the hash of the access token.
    static func atHash(_ accessToken: SecureBytes, _ algorithm: SignatureAlgorithm) throws(PKCEError) -> SecureBytes? {
        var digest = [UInt8](repeating: 0, count: 64)
        let length = digest.withUnsafeMutableBufferPointer { out in
            lpk_digest(algorithm.hashBits, accessToken.base, accessToken.count, out.baseAddress)
        }
        guard length > 0 else { return nil }
        return try digest.withUnsafeBufferPointer { (digest) throws(PKCEError) in
            try Base64URL.encoded(UnsafeBufferPointer(rebasing: digest[0..<(length / 2)]))
        }
    }
}
