// libFuzzer entry point for `make fuzz`, compiled into one module with the
// core and PKCEOIDC (so it reaches internal parsers). The first byte picks
// the parser, the rest is its input; every parser must answer with a value
// or a PKCEError, never crash, hang or read out of bounds (AddressSanitizer
// watches).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data + 1, count: size - 1)
    switch data[0] % 6 {
    case 0:
        _ = try? TokenResponse(httpStatus: 200, body: input)
    case 1:
        let text = String(decoding: input, as: UTF8.self)
        guard var client = try? ClientConfiguration(clientID: "c", redirectURI: "http://127.0.0.1/cb") else { return 0 }
        try? client.setIssuer("https://as.example")
        let attempt = try? SecureBytes("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").withBytes { v throws(PKCEError) in
            try AuthorizationAttempt(client: client, verifier: v, state: "xyz", nonce: nil)
        }
        try? attempt?.handleCallback(text)
    case 2:
        guard var client = try? ClientConfiguration(clientID: "c", redirectURI: "http://127.0.0.1/cb") else { return 0 }
        try? client.applyMetadata(issuer: "https://as.example", json: input)
    case 4:
        // An ID token, parsed and checked against a fixed Ed25519 JWKS.
        guard let token = try? IDToken(input) else { return 0 }
        var e = IDToken.Expectations(issuer: "https://as.example", clientID: "c", now: 1_800_000_000)
        e.nonce = SecureBytes("n")
        e.accessToken = SecureBytes("at")
        _ = try? token.verified(with: fuzzKeys, expecting: e)
    case 5:
        _ = try? JSONWebKeySet(json: input)
    default:
        let text = String(decoding: input, as: UTF8.self)
        guard var client = try? ClientConfiguration(clientID: "c", redirectURI: "http://127.0.0.1/cb") else { return 0 }
        if (try? client.setAuthorizationEndpoint(text)) != nil, let attempt = try? AuthorizationAttempt(client: client) {
            try? attempt.addParameter("p", text)
            _ = try? attempt.authorizationURL()
        }
    }
    return 0
}

private let fuzzKeys: JSONWebKeySet = {
    let json = #"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#
    return (try? SecureBytes(json).withBytes { j throws(PKCEError) in try JSONWebKeySet(json: j) }) ?? JSONWebKeySet(keys: [])
}()
