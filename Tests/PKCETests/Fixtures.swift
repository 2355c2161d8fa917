@testable import PKCE

/// What the core's tests share: RFC 7636's verifier and a configured client.
enum Fixtures {
    static let rfcVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    static func client(issuer: String? = nil) throws(PKCEError) -> ClientConfiguration {
        var client = try ClientConfiguration(clientID: "client 1", redirectURI: "http://127.0.0.1:8080/cb")
        try client.setAuthorizationEndpoint("https://as.example/authorize")
        try client.setTokenEndpoint("https://as.example/token")
        if let issuer { try client.setIssuer(issuer) }
        return client
    }

    /// An attempt with the RFC verifier and a known state, as if restored.
    static func attempt(_ client: ClientConfiguration, state: String = "st") throws(PKCEError) -> AuthorizationAttempt {
        try SecureBytes(rfcVerifier).withBytes { v throws(PKCEError) in
            try AuthorizationAttempt(client: client, verifier: v, state: state, nonce: nil)
        }
    }
}
