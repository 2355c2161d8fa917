import CJOSE
import PKCE

/// A public key from a JWK (RFC 7517): RSA (`n`, `e`), EC on P-256, P-384
/// or P-521 (`x`, `y`, the point checked to be on the curve), or Ed25519
/// (OKP, `x`), with the members that limit its use (`use`, `alg`, `key_ops`).
public final class PublicKey: @unchecked Sendable {
    public enum KeyType: Equatable, Sendable {
        case rsa
        case ec(curveBits: Int)
        case ed25519
    }

    /// RFC 7518 3.3: an RSA key for signatures is at least 2048 bits.
    static let minimumRSABits: Int32 = 2048

    public let type: KeyType
    public let keyID: String?
    let use: String?
    let algorithm: String?
    let operations: [String]?
    let key: OpaquePointer

    init(type: KeyType, keyID: String?, use: String?, algorithm: String?, operations: [String]?, key: OpaquePointer) {
        self.type = type
        self.keyID = keyID
        self.use = use
        self.algorithm = algorithm
        self.operations = operations
        self.key = key
    }

    deinit { lpk_key_free(key) }

    /// Whether this key may verify a signature by `algorithm`: the right kind
    /// of key, and nothing in the JWK that rules it out.
    func canVerify(_ algorithm: SignatureAlgorithm) -> Bool {
        algorithm.keyType == type && (self.algorithm == nil || self.algorithm == algorithm.rawValue)
            && (use == nil || use == "sig") && (operations == nil || operations?.contains("verify") == true)
    }

    func verify(_ algorithm: SignatureAlgorithm, signature: UnsafeBufferPointer<UInt8>,
                over data: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        switch lpk_verify(key, algorithm.scheme, algorithm.hashBits, data.baseAddress, data.count,
                          signature.baseAddress, signature.count) {
        case 1: return
        case 0: throw PKCEError(.idTokenSignature)
        default: throw PKCEError(.idTokenSignature, "OpenSSL could not check the signature")
        }
    }
}

/// A JWK Set (RFC 7517 5): the keys a server signs with. Keys of a type or
/// curve libpkce does not use are skipped (RFC 7517 5 asks for that); a key
/// of a known type that is malformed, too weak or off its curve makes the
/// whole set invalid, since a server that publishes one is broken or hostile.
public struct JSONWebKeySet: Sendable {
    public let keys: [PublicKey]

    public init(json: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        guard json.count <= HTTPResponse.maxBodyBytes else {
            throw PKCEError(.jwksInvalid, "JWKS is larger than \(HTTPResponse.maxBodyBytes) bytes")
        }
        let document: JSONDocument
        do { document = try JSONDocument(parsing: json) } catch {
            throw PKCEError(.jwksInvalid, "JWKS is not well-formed JSON: \(error.reason)")
        }
        guard document.nodes[document.root].kind == .object, let list = document.member("keys"),
              document.nodes[list].kind == .array
        else { throw PKCEError(.jwksInvalid, "JWKS is not an object with a \"keys\" array") }
        var keys: [PublicKey] = []
        for element in document.elements(of: list) {
            if let key = try Self.key(document, element) { keys.append(key) }
        }
        self.keys = keys
    }

    public init(keys: [PublicKey]) { self.keys = keys }

    /// The keys that may verify a token signed with `algorithm` and naming
    /// `keyID` (any key of the right kind when the token names none).
    func candidates(for algorithm: SignatureAlgorithm, keyID: String?) -> [PublicKey] {
        keys.filter { $0.canVerify(algorithm) && (keyID == nil || $0.keyID == keyID) }
    }

    private static func key(_ document: JSONDocument, _ index: Int) throws(PKCEError) -> PublicKey? {
        guard document.nodes[index].kind == .object else { throw PKCEError(.jwksInvalid, "a JWKS key is not an object") }
        func string(_ name: String) throws(PKCEError) -> String? {
            try document.stringMember(name, of: index, wrongType: PKCEError(.jwksInvalid, "JWK member \(name) is not a string"))?.string
        }
        func bytes(_ name: String) throws(PKCEError) -> SecureBytes {
            guard let text = try string(name) else { throw PKCEError(.jwksInvalid, "JWK lacks \(name)") }
            guard let decoded = try SecureBytes(text).withBytes({ (text) throws(PKCEError) in try Base64URL.decode(text) }),
                  decoded.count > 0 else {
                throw PKCEError(.jwksInvalid, "JWK member \(name) is not base64url")
            }
            return decoded
        }
        let operations = try document.stringArrayMember("key_ops", of: index,
                                                        wrongType: PKCEError(.jwksInvalid, "JWK key_ops is not an array"))
        let keyID = try string("kid"), use = try string("use"), algorithm = try string("alg")
        let type: PublicKey.KeyType
        let made: OpaquePointer?
        switch try string("kty") {
        case "RSA":
            let n = try bytes("n"), e = try bytes("e")
            type = .rsa
            made = lpk_key_rsa(n.base, n.count, e.base, e.count)
            if let made, lpk_key_bits(made) < PublicKey.minimumRSABits {
                lpk_key_free(made)
                throw PKCEError(.jwksInvalid, "an RSA key in the JWKS is shorter than \(PublicKey.minimumRSABits) bits")
            }
        case "EC":
            let bits: Int
            switch try string("crv") {
            case "P-256": bits = 256
            case "P-384": bits = 384
            case "P-521": bits = 521
            default: return nil
            }
            let x = try bytes("x"), y = try bytes("y")
            guard x.count == (bits + 7) / 8, y.count == x.count else {
                throw PKCEError(.jwksInvalid, "an EC key's coordinates do not fit its curve")
            }
            type = .ec(curveBits: bits)
            made = lpk_key_ec(Int32(bits), x.base, y.base, x.count)
        case "OKP":
            guard try string("crv") == "Ed25519" else { return nil }
            let x = try bytes("x")
            type = .ed25519
            made = lpk_key_ed25519(x.base, x.count)
        default:
            return nil  // "oct" (symmetric) and unknown types are never used
        }
        guard let made else {
            throw PKCEError(.jwksInvalid, "a key in the JWKS is not a valid public key (for EC: the point is not on the curve)")
        }
        return PublicKey(type: type, keyID: keyID, use: use, algorithm: algorithm, operations: operations, key: made)
    }
}
