// libFuzzer entry point for `make fuzz`, compiled into the PKCE module itself
// (so it reaches internal parsers). The first byte picks the parser, the rest
// is its input; every parser must answer with a value or a PKCEError, never
// crash, hang or read out of bounds (AddressSanitizer watches).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data + 1, count: size - 1)
    switch data[0] % 4 {
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
