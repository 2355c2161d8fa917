import CJOSE
import PKCE

/// The JWS algorithms (RFC 7518, RFC 8037) an ID token may be verified
/// with: asymmetric ones only. `none` and the HMAC family are refused by
/// name: a public client has no secret, and an HMAC "key" taken from a
/// public key is the classic algorithm-confusion attack.
public enum SignatureAlgorithm: String, CaseIterable, Sendable {
    case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
    case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"
    case es256 = "ES256", es384 = "ES384", es512 = "ES512"
    case edDSA = "EdDSA"

    /// The algorithm named by a JWS header, or why it is refused.
    static func named(_ name: String, allowed: Set<String>?) throws(PKCEError) -> SignatureAlgorithm {
        guard let algorithm = SignatureAlgorithm(rawValue: name) else {
            let why = name == "none" ? "an unsigned ID token (alg none) is never accepted"
                : name.hasPrefix("HS") ? "\(PKCEError.printable(name)) needs a shared secret, which a public client does not have"
                : "\(PKCEError.printable(name)) is not an algorithm libpkce verifies"
            throw PKCEError(.idTokenAlgorithm, why)
        }
        if let allowed, !allowed.contains(name) {
            throw PKCEError(.idTokenAlgorithm, "\(name) is not among the algorithms allowed for ID tokens")
        }
        return algorithm
    }

    var scheme: lpk_signature_scheme {
        switch self {
        case .rs256, .rs384, .rs512: LPK_SIGNATURE_RSA_PKCS1
        case .ps256, .ps384, .ps512: LPK_SIGNATURE_RSA_PSS
        case .es256, .es384, .es512: LPK_SIGNATURE_ECDSA
        case .edDSA: LPK_SIGNATURE_EDDSA
        }
    }

    /// The SHA-2 size of the signature, and of at_hash (OpenID Connect Core
    /// 3.1.3.6; for EdDSA with Ed25519, SHA-512 as the OpenID errata say).
    var hashBits: Int32 {
        switch self {
        case .rs256, .ps256, .es256: 256
        case .rs384, .ps384, .es384: 384
        case .rs512, .ps512, .es512, .edDSA: 512
        }
    }

    /// The kind of key that can verify it.
    var keyType: PublicKey.KeyType {
        switch self {
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512: .rsa
        case .es256: .ec(curveBits: 256)
        case .es384: .ec(curveBits: 384)
        case .es512: .ec(curveBits: 521)
        case .edDSA: .ed25519
        }
    }
}
