#if canImport(Glibc)
import Glibc
#endif

// libFuzzer entry point for `make fuzz`, compiled into one module with the
// core and PKCEOIDC (so it reaches internal parsers). One parser per run,
// named by PKCE_FUZZ_TARGET, so that each gets a corpus, a dictionary and
// all of the run's executions of its own. Every parser must answer with a
// value or a PKCEError, never crash, hang or read out of bounds
// (AddressSanitizer watches).
enum FuzzTarget: String, CaseIterable {
    case token, error, callback, callbackIss = "callback-iss", metadata, endpoint, verifier, idToken = "id-token", jwks
    case loopbackRequest = "loopback-request"
    case wwwAuthenticate = "www-authenticate", resourceMetadata = "resource-metadata"
    case registration, pushedRequest = "pushed-request", logoutCallback = "logout-callback"
    case dpopNonce = "dpop-nonce"

    func run(_ input: UnsafeBufferPointer<UInt8>) {
        switch self {
        case .token: _ = try? TokenResponse(httpStatus: 200, body: input)
        case .error: _ = try? TokenResponse(httpStatus: 400, body: input)
        case .callback, .callbackIss:
            guard var client = try? ClientConfiguration(clientID: "c", redirectURI: "http://127.0.0.1/cb") else { return }
            if self == .callbackIss { try? client.setIssuer("https://as.example") }
            let attempt = try? SecureBytes("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").withBytes { v throws(PKCEError) in
                try AuthorizationAttempt(client: client, verifier: v, state: "xyz", nonce: nil)
            }
            try? attempt?.handleCallback(input)
        case .metadata:
            guard var client = try? ClientConfiguration(clientID: "c", redirectURI: "http://127.0.0.1/cb") else { return }
            try? client.applyMetadata(issuer: "https://as.example", json: input)
        case .endpoint:
            let text = String(decoding: input, as: UTF8.self)
            guard var client = try? ClientConfiguration(clientID: "c", redirectURI: "http://127.0.0.1/cb") else { return }
            _ = try? ClientConfiguration(clientID: "c", redirectURI: text)
            try? client.setIssuer(text)
            if (try? client.setAuthorizationEndpoint(text)) != nil, let attempt = try? AuthorizationAttempt(client: client) {
                try? attempt.addParameter("p", text)
                _ = try? attempt.authorizationURL()
            }
        case .verifier:
            let accepted = (try? PKCE.checkVerifier(input)) != nil
            // S256 checks the verifier as it reads it to hash: the two must agree.
            precondition(((try? PKCE.challenge(for: input)) != nil) == accepted)
            _ = try? PKCE.challenge(for: input, method: .plain)
        case .idToken:
            guard let token = try? IDToken(input) else { return }
            var e = IDToken.Expectations(issuer: "https://as.example", clientID: "c", now: 1_800_000_000)
            e.nonce = try? SecureBytes("n")
            e.accessToken = try? SecureBytes("at")
            _ = try? token.verified(with: fuzzKeys, expecting: e)
        case .jwks:
            _ = try? JSONWebKeySet(json: input)
        case .loopbackRequest:
            if let end = LoopbackRequest.headEnd(input) {
                let request = LoopbackRequest(head: UnsafeBufferPointer(rebasing: input[..<end]))
                _ = (request.target?.count, request.host?.utf8.count)
            }
        case .wwwAuthenticate:
            // Split at NUL: several headers, as a server may send.
            let values = input.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            _ = try? ResourceChallenge(headers: values)
        case .resourceMetadata:
            _ = try? ProtectedResourceMetadata(json: input, requested: "https://rs.example/mcp")
        case .registration:
            _ = try? ClientRegistration(httpStatus: 201, body: input, issuer: "https://as.example",
                                        redirectURI: "http://127.0.0.1:5000/callback")
        case .pushedRequest:
            guard let attempt = try? AuthorizationAttempt(client: fuzzClient) else { return }
            try? attempt.handlePushedAuthorizationResponse(httpStatus: 201, body: input)
            _ = try? attempt.authorizationURL()
        case .logoutCallback:
            var client = fuzzClient
            try? client.setEndSessionEndpoint("https://as.example/logout")
            try? LogoutAttempt(client: client).handleCallback(input)
        case .dpopNonce:
            // DPoP-Nonce value, NUL, WWW-Authenticate value, NUL, body: an answer to a request with a proof.
            let parts = input.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
            let text = parts.map { String(decoding: $0, as: UTF8.self) }
            _ = DPoPNonces.parse(text[0])
            guard let request = try? fuzzDPoPClient.refreshRequest(refreshToken: "rt") else { return }
            let body = (try? SecureBytes(parts.count > 2 ? UnsafeBufferPointer(rebasing: parts[2]) : UnsafeBufferPointer(start: nil, count: 0)))
            for status in [400, 401] {
                guard let body else { return }
                let answer = HTTPResponse(status: status, body: body, wwwAuthenticate: text.count > 1 ? [text[1]] : [],
                                          dpopNonce: text[0])
                _ = try? request.handleDPoPAnswer(answer)
            }
        }
    }
}

/// One DPoP key for every input: making a key per input would be most of the run.
private let fuzzDPoPClient: ClientConfiguration = {
    var client = fuzzClient
    try? client.useDPoP(algorithm: .es256)
    return client
}()

private let target: FuzzTarget = {
    let name = getenv("PKCE_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fputs("PKCE_FUZZ_TARGET must be one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " "))\n", stderr)
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    target.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}

private let fuzzClient: ClientConfiguration = {
    var client = try! ClientConfiguration(clientID: "c", redirectURI: "http://127.0.0.1/cb")
    try! client.setAuthorizationEndpoint("https://as.example/authorize")
    return client
}()

private let fuzzKeys: JSONWebKeySet = {
    let json = #"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#
    return (try? SecureBytes(json).withBytes { j throws(PKCEError) in try JSONWebKeySet(json: j) }) ?? JSONWebKeySet(keys: [])
}()
