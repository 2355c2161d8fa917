// swift-tools-version:6.0
// No package dependencies, on purpose: SwiftPM resolves the whole graph for
// every build, and a Debian build is offline. OpenSSL and libcurl come from
// Debian as system libraries.
//
// The targets are the layers (docs/architecture.md draws them):
//   PKCE           the core: primitives, URLs, callback, JSON, sans-I/O
//                  requests and answers, DPoP proofs. OpenSSL only (CJOSE
//                  wraps its key calls); never imports a layer above.
//   PKCEOIDC       OpenID Connect: ID tokens (JWS), JWKS, claims; CJOSE does
//                  the OpenSSL key and signature calls. No I/O.
//   PKCETransport  HTTPS over libcurl, which CLibcurl loads on first use;
//                  exchange, refresh, revocation, discovery, device grant.
//   PKCEListener   the loopback redirect listener (RFC 8252). Core only.
//   PKCESignIn     the browser and the one-call sign-in over the two above.
//   PKCETokens     a token source that refreshes once for all threads and
//                  processes, and the file store it keeps tokens in.
//   PKCEResource   sign-in from a protected resource's URL (MCP profile:
//                  RFC 9728, RFC 8707, registration, step-up) and requests
//                  to it with the token, over all of the above.
//   PKCECABI       the C ABI of include/pkce.h, a thin wrapper over all.
import PackageDescription

let package = Package(
    name: "libpkce",
    products: [
        // The Swift core and its HTTPS client, for Swift programs that use libpkce directly.
        .library(name: "PKCE", targets: ["PKCE", "PKCEOIDC", "PKCETransport", "PKCEListener", "PKCESignIn", "PKCETokens",
                                                  "PKCEResource"]),
        // libpkce.so: the C ABI declared in include/pkce.h. The Makefile adds
        // the SONAME, the version script and the static standard library.
        .library(name: "pkce", type: .dynamic, targets: ["PKCECABI"]),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(name: "CPKCEHeader"),
        // libcurl through dlopen and typed wrappers; needs only its headers
        // (libcurl4-openssl-dev) to build, and links nothing of it.
        .target(name: "CLibcurl"),
        .target(name: "CSecret"),
        // CJOSE for the DPoP key: proofs belong to the sans-I/O requests.
        .target(name: "PKCE", dependencies: ["COpenSSL", "CJOSE"]),
        // Keys from JWK members, signature checks and DPoP signing keys, in C over OpenSSL's EVP.
        .target(name: "CJOSE", dependencies: ["COpenSSL"]),
        .target(name: "PKCEOIDC", dependencies: ["PKCE", "CJOSE"]),
        .target(name: "PKCETransport", dependencies: ["PKCE", "PKCEOIDC", "CLibcurl"]),
        .target(name: "PKCEListener", dependencies: ["PKCE"]),
        .target(name: "PKCESignIn", dependencies: ["PKCE", "PKCETransport", "PKCEListener"]),
        .target(name: "PKCETokens", dependencies: ["PKCE", "PKCETransport", "CSecret"]),
        .target(name: "PKCEResource", dependencies: ["PKCE", "PKCETransport", "PKCEListener", "PKCESignIn", "PKCETokens"]),
        .target(name: "PKCECABI", dependencies: ["PKCE", "PKCEOIDC", "PKCETransport", "PKCEListener", "PKCESignIn", "PKCETokens",
                                                 "PKCEResource", "CPKCEHeader"],
                exclude: ["exports.map", "hot-path.order"]),
        // COpenSSL too: a test checks what SHA256_Final leaves behind.
        .testTarget(name: "PKCETests", dependencies: ["PKCE", "COpenSSL"]),
        // COpenSSL too: the tests sign their own ID tokens.
        .testTarget(name: "PKCEOIDCTests", dependencies: ["PKCEOIDC", "COpenSSL"]),
        .testTarget(name: "PKCETransportTests", dependencies: ["PKCETransport"]),
        .testTarget(name: "PKCEListenerTests", dependencies: ["PKCEListener"]),
        .testTarget(name: "PKCETokensTests", dependencies: ["PKCETokens"]),
        .testTarget(name: "PKCEResourceTests", dependencies: ["PKCEResource"]),
    ]
)
