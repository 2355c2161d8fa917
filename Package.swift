// swift-tools-version:6.0
// No package dependencies, on purpose: SwiftPM resolves the whole graph for
// every build, and a Debian build is offline. OpenSSL and libcurl come from
// Debian as system libraries.
import PackageDescription

let package = Package(
    name: "libpkce",
    products: [
        // The Swift core, for Swift programs that use libpkce directly.
        .library(name: "PKCE", targets: ["PKCE"]),
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
        // Typed wrappers for libcurl's variadic calls (libcurl4-openssl-dev).
        .target(name: "CCurlShim", linkerSettings: [.linkedLibrary("curl")]),
        .target(name: "PKCE", dependencies: ["COpenSSL", "CCurlShim"]),
        .target(name: "PKCECABI", dependencies: ["PKCE", "CPKCEHeader", "COpenSSL"], exclude: ["exports.map"]),
        .testTarget(name: "PKCETests", dependencies: ["PKCE"]),
    ]
)
