#if canImport(Glibc)
import Glibc
#endif
import CJOSE
import Synchronization

/// The algorithms a DPoP key signs proofs with (RFC 9449 4.2: asymmetric only).
public enum DPoPAlgorithm: String, CaseIterable, Sendable {
    case es256 = "ES256", edDSA = "EdDSA", rs256 = "RS256"

    var scheme: lpk_signature_scheme {
        switch self {
        case .es256: LPK_SIGNATURE_ECDSA
        case .edDSA: LPK_SIGNATURE_EDDSA
        case .rs256: LPK_SIGNATURE_RSA_PKCS1
        }
    }

    /// The one libpkce prefers of those a server lists
    /// (`dpop_signing_alg_values_supported`): ES256 first, as the smallest and
    /// quickest proof; nil when it lists none libpkce can sign with.
    public static func preferred(among supported: [String]) -> DPoPAlgorithm? {
        allCases.first { supported.contains($0.rawValue) }
    }
}

/// A key that proves possession of sender-constrained tokens (DPoP, RFC
/// 9449): a private key in OpenSSL, wiped when released, with the nonces
/// servers gave it. Tokens bound to it are useless without it, and useless
/// to whoever has only them; so it is as secret as they are, and travels
/// with them in a token store. Thread-safe.
public final class DPoPKey: @unchecked Sendable {
    public let algorithm: DPoPAlgorithm
    /// The public key as a JWK with only its required members, in RFC 7638's
    /// order: what each proof's header carries, and what the thumbprint hashes.
    public let publicJWK: String
    /// RFC 7638 thumbprint (base64url SHA-256 of `publicJWK`): a bound
    /// token's `cnf.jkt`, and the `dpop_jkt` authorization parameter.
    public let thumbprint: String
    /// The two as C strings, for the C API to lend.
    package let publicJWKBytes: SecureBytes
    package let thumbprintBytes: SecureBytes
    /// The last nonce each server gave (RFC 9449 8, 9), by origin.
    public let nonces = DPoPNonces()
    private let signer: OpaquePointer
    /// `base64url(header) "."`: the same for every proof of this key.
    private let encodedHeader: String

    /// A new key from OpenSSL's CSPRNG: P-256, Ed25519 or RSA 2048.
    public convenience init(algorithm: DPoPAlgorithm = .es256) throws(PKCEError) {
        guard let signer = lpk_signer_generate(algorithm.scheme) else {
            throw PKCEError(.dpopKey, "OpenSSL could not make a \(algorithm.rawValue) key")
        }
        try self.init(signer, algorithm)
    }

    /// A key kept as PEM (`pem()`): PKCS#8, or the traditional EC and RSA
    /// forms; P-256, Ed25519 or RSA of 2048 to 8192 bits; never encrypted.
    public convenience init(pem: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        var scheme = LPK_SIGNATURE_ECDSA
        guard let signer = lpk_signer_from_pem(pem.baseAddress, pem.count, &scheme) else {
            throw PKCEError(.dpopKey, "not an unencrypted PEM private key of P-256, Ed25519 or RSA (2048 to 8192 bits)")
        }
        let algorithm: DPoPAlgorithm = scheme == LPK_SIGNATURE_EDDSA ? .edDSA : scheme == LPK_SIGNATURE_RSA_PKCS1 ? .rs256 : .es256
        try self.init(signer, algorithm)
    }

    /// Takes `signer`, freeing it when anything fails: an init that throws
    /// before every property is set runs no deinit.
    private init(_ signer: OpaquePointer, _ algorithm: DPoPAlgorithm) throws(PKCEError) {
        let parts: (jwk: String, thumbprint: String, jwkBytes: SecureBytes, thumbprintBytes: SecureBytes)
        do throws(PKCEError) {
            guard let jwk = Self.publicJWK(signer, algorithm) else {
                throw PKCEError(.dpopKey, "OpenSSL could not give the key's public part")
            }
            let thumbprint = Self.thumbprint(ofJWK: jwk)
            parts = (jwk, thumbprint, try SecureBytes(jwk), try SecureBytes(thumbprint))
        } catch {
            lpk_signer_free(signer)
            throw error
        }
        self.signer = signer
        self.algorithm = algorithm
        (publicJWK, thumbprint, publicJWKBytes, thumbprintBytes) = parts
        encodedHeader = Self.base64URL("{\"typ\":\"dpop+jwt\",\"alg\":\"\(algorithm.rawValue)\",\"jwk\":\(parts.jwk)}") + "."
    }

    /// The public JWK's required members, in RFC 7638's (lexicographic) order.
    private static func publicJWK(_ signer: OpaquePointer, _ algorithm: DPoPAlgorithm) -> String? {
        func part(_ index: Int32) -> String? {
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { out in
                let length = lpk_signer_public(signer, index, out.baseAddress, out.count)
                return length == 0 ? nil : base64URL(UnsafeBufferPointer(rebasing: out[..<length]))
            }
        }
        guard let first = part(0) else { return nil }
        switch algorithm {
        case .edDSA: return "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"\(first)\"}"
        case .es256: return part(1).map { "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"\(first)\",\"y\":\"\($0)\"}" }
        case .rs256: return part(1).map { "{\"e\":\"\($0)\",\"kty\":\"RSA\",\"n\":\"\(first)\"}" }
        }
    }

    deinit { lpk_signer_free(signer) }

    /// RFC 7638's thumbprint of a JWK already in canonical form.
    package static func thumbprint(ofJWK jwk: String) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var jwk = jwk
        jwk.withUTF8 { bytes in digest.withUnsafeMutableBufferPointer { SHA256.hash(bytes, into: $0) } }
        return digest.withUnsafeBufferPointer { base64URL($0) }
    }

    /// The private key as unencrypted PKCS#8 PEM, in memory wiped on release.
    public func pem() throws(PKCEError) -> SecureBytes {
        let capacity = 16 << 10
        let out = try secureAllocate(capacity)
        defer { wipe(out, capacity); free(out) }
        let length = lpk_signer_pem(signer, out, capacity)
        guard length > 0 else { throw PKCEError(.dpopKey, "OpenSSL could not write the key as PEM") }
        return try SecureBytes(UnsafeBufferPointer(start: out, count: length))
    }

    /// A DPoP proof (RFC 9449 4.2) for one request: `htu` is `url` without
    /// query and fragment; `nonce` the server's, when it gave one; `ath` the
    /// hash of `accessToken`, for a request that presents it. A fresh `jti`
    /// (128 random bits) and `iat` (`now`, else the clock) each time.
    public func proof(method: String, url: String, nonce: String? = nil,
                      accessToken: UnsafeBufferPointer<UInt8>? = nil, now: Int64? = nil) throws(PKCEError) -> String {
        try proofBytes(method: method, url: url, nonce: nonce, accessToken: accessToken, now: now).string
    }

    /// `proof`, as the bytes a header or a C string is made of (one copy fewer).
    package func proofBytes(method: String, url: String, nonce: String? = nil,
                            accessToken: UnsafeBufferPointer<UInt8>? = nil, now: Int64? = nil) throws(PKCEError) -> SecureBytes {
        try Array(method.utf8).withUnsafeBufferPointer { (method) throws(PKCEError) in
            try proofBytes(method: method, url: url, nonce: nonce, accessToken: accessToken, now: now)
        }
    }

    /// `proofBytes` for one of the library's own requests, whose method is a constant.
    package func proofBytes(method: StaticString, url: String, nonce: String?,
                            accessToken: UnsafeBufferPointer<UInt8>?) throws(PKCEError) -> SecureBytes {
        try proofBytes(method: UnsafeBufferPointer(start: method.utf8Start, count: method.utf8CodeUnitCount), url: url,
                       nonce: nonce, accessToken: accessToken, now: nil)
    }

    private func proofBytes(method: UnsafeBufferPointer<UInt8>, url: String, nonce: String?,
                            accessToken: UnsafeBufferPointer<UInt8>?, now: Int64?) throws(PKCEError) -> SecureBytes {
        var input = try ByteWriter(capacity: 512)
        input.append(encodedHeader)
        var claims = try ByteWriter(capacity: 256 + url.utf8.count + (nonce?.utf8.count ?? 0))
        claims.append("{\"jti\":\"")
        try SecureRandom.withBytes(16) { claims.appendBase64URL($0) }
        claims.append("\",\"htm\":")
        claims.appendJSONString(method)
        claims.append(",\"htu\":")
        var url = url
        url.withUTF8 { claims.appendJSONString(UnsafeBufferPointer(rebasing: $0[..<Self.targetURILength($0)])) }
        claims.append(",\"iat\":")
        claims.appendDecimal(now ?? Int64(time(nil)))
        if let nonce {
            claims.append(",\"nonce\":")
            claims.appendJSONString(nonce)
        }
        if let accessToken {
            var digest = (0 as UInt64, 0 as UInt64, 0 as UInt64, 0 as UInt64)
            withUnsafeMutableBytes(of: &digest) { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                SHA256.hash(accessToken, into: bytes)
                claims.append(",\"ath\":\"")
                claims.appendBase64URL(UnsafeBufferPointer(bytes))
                claims.append(UInt8(ascii: "\""))
            }
        }
        claims.append(UInt8(ascii: "}"))
        let payload = try claims.finish()
        input.appendBase64URL(payload.buffer)
        let signingInput = try input.finish()
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { (signature) throws(PKCEError) -> SecureBytes in
            let length = lpk_sign(signer, signingInput.base, signingInput.count, signature.baseAddress, signature.count)
            guard length > 0 else { throw PKCEError(.dpopKey, "OpenSSL could not sign the DPoP proof") }
            var jwt = try ByteWriter(capacity: signingInput.count + length * 4 / 3 + 4)
            jwt.append(signingInput.buffer)
            jwt.append(UInt8(ascii: "."))
            jwt.appendBase64URL(UnsafeBufferPointer(rebasing: signature[..<length]))
            return try jwt.finish()
        }
    }

    /// `Authorization: DPoP <token>` and the proof for a request to a
    /// resource with that token (RFC 9449 7.1): the two header values.
    /// `nonce`, one the resource asked for, is remembered for it first
    /// (`.invalidArgument` when it is not a nonce); else the last it gave goes.
    public func headers(method: String, url: String, accessToken: UnsafeBufferPointer<UInt8>,
                        nonce: String? = nil) throws(PKCEError) -> (authorization: SecureBytes, proof: SecureBytes) {
        if let nonce { try nonces.set(nonce, for: url) }
        let proof = try proofBytes(method: method, url: url, nonce: nonces.nonce(for: url), accessToken: accessToken)
        var authorization = try ByteWriter(capacity: accessToken.count + 6)
        authorization.append("DPoP ")
        authorization.append(accessToken)
        return (try authorization.finish(), proof)
    }

    /// Whether a token answer's `token_type` says the tokens are bound (RFC 9449 5: "DPoP", in any case).
    public static func isBound(tokenType: String?) -> Bool {
        tokenType?.lowercased() == "dpop"
    }

    /// The length of `url` without its query and fragment (RFC 9449 4.2 `htu`).
    package static func targetURILength(_ url: UnsafeBufferPointer<UInt8>) -> Int {
        url.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? url.count
    }

    private static func base64URL(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: Base64URL.encodedLength(bytes.count)) { out in
            Base64URL.encode(bytes, into: out.baseAddress!)
            return Base64URL.encodedLength(bytes.count)
        }
    }

    private static func base64URL(_ text: String) -> String {
        var text = text
        return text.withUTF8 { base64URL($0) }
    }
}

/// The nonce each server last gave (RFC 9449 8, 9), by origin (scheme,
/// host and port): at most `capacity`, the least recently given dropped
/// first. A nonce is no secret. Thread-safe.
public final class DPoPNonces: Sendable {
    public static let capacity = 16
    /// The longest nonce kept: one longer is taken for garbage, not remembered.
    public static let maxLength = 1024
    private let entries = Mutex<[(origin: String, nonce: String)]>([])

    /// The nonce to send to `url`'s server, if it gave one.
    public func nonce(for url: String) -> String? {
        guard !entries.withLock({ $0.isEmpty }) else { return nil }  // most servers give none: no origin to work out
        let origin = Self.origin(url)
        return entries.withLock { $0.last { $0.origin == origin }?.nonce }
    }

    /// Remembers the `DPoP-Nonce` header value a server at `url` answered
    /// with, replacing its last one; a value that is not RFC 9449's nonce
    /// syntax is ignored (and returns false).
    @discardableResult
    public func remember(_ headerValue: String, for url: String) -> Bool {
        guard let nonce = Self.parse(headerValue) else { return false }
        let origin = Self.origin(url)
        entries.withLock { entries in
            entries.removeAll { $0.origin == origin }
            if entries.count == Self.capacity { entries.removeFirst() }
            entries.append((origin, nonce))
        }
        return true
    }

    /// `remember` for a nonce the caller gives: one that is not a nonce is `.invalidArgument`.
    public func set(_ nonce: String, for url: String) throws(PKCEError) {
        guard remember(nonce, for: url) else {
            throw PKCEError(.invalidArgument, "not a DPoP nonce: printable ASCII but '\"' and '\\', 1 to \(Self.maxLength) bytes")
        }
    }

    /// Every origin and its nonce, oldest first: what a token store keeps with the tokens.
    public var all: [(origin: String, nonce: String)] { entries.withLock { $0 } }

    /// A `DPoP-Nonce` header value, checked: RFC 9449 8.1's `1*NQCHAR`
    /// (printable ASCII but `"` and `\`), at most `maxLength` bytes, with
    /// the optional white space around a field value removed. Nil otherwise.
    public static func parse(_ headerValue: String) -> String? {
        let trimmed = headerValue.utf8.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
        guard !trimmed.isEmpty, trimmed.count <= maxLength,
              trimmed.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E && $0 != 0x22 && $0 != 0x5C }) else { return nil }
        return String(decoding: trimmed, as: UTF8.self)
    }

    /// `scheme://host[:port]` of `url`, lower-cased: what a nonce belongs to.
    package static func origin(_ url: String) -> String {
        var url = url
        return url.withUTF8 { bytes in
            // Past "scheme://", up to the path, query or fragment; a URL without "://" is all origin.
            let start = bytes.firstIndex(of: UInt8(ascii: ":")).map { colon in
                bytes[colon...].starts(with: "://".utf8) ? colon + 3 : bytes.count } ?? bytes.count
            let end = bytes[start...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            let origin = UnsafeBufferPointer(rebasing: bytes[..<(end ?? bytes.count)])
            // Scheme and host are ASCII in a URL the library accepted: lower-cased byte by byte.
            return String(unsafeUninitializedCapacity: origin.count) { out in
                for (i, byte) in origin.enumerated() { out[i] = byte.asciiLowercased }
                return origin.count
            }
        }
    }
}
