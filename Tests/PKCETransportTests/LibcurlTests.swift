import Testing
@testable import PKCE
@testable import PKCETransport

/// The rule for which libcurl will do; the loading itself is exercised by
/// `make test-loading` with real libraries.
@Suite struct LibcurlTests {
    @Test func acceptsOpenSSLFlavourFrom7_85() throws {
        try Libcurl.check(versionNumber: 0x07_55_00, version: "7.85.0", sslVersion: "OpenSSL/3.0.11")
        try Libcurl.check(versionNumber: 0x08_0b_00, version: "8.11.0", sslVersion: "OpenSSL/3.4.0")
    }

    @Test func refusesOlderThan7_85() {
        #expect {
            try Libcurl.check(versionNumber: 0x07_54_01, version: "7.84.1", sslVersion: "OpenSSL/3.0.0")
        } throws: { error in
            let error = error as? PKCEError
            return error?.code == .transport && error?.message.contains("7.85.0 or later") == true
                && error?.message.contains("7.84.1") == true
        }
    }

    @Test(arguments: ["GnuTLS/3.7.9", "NSS/3.87", "", "BoringSSL"])
    func refusesOtherTLSLibraries(_ ssl: String) {
        #expect {
            try Libcurl.check(versionNumber: 0x07_58_01, version: "7.88.1", sslVersion: ssl)
        } throws: { error in
            let error = error as? PKCEError
            return error?.code == .transport && error?.message.contains("OpenSSL flavour") == true
        }
    }

    @Test func hostileVersionTextIsMadePrintable() {
        #expect {
            try Libcurl.check(versionNumber: 0, version: "7.0\r\nX-Injected: 1", sslVersion: "OpenSSL/3")
        } throws: { error in
            (error as? PKCEError)?.message.contains("\r") == false
        }
    }
}

/// The transport without a server: what is refused before anything is sent.
@Suite struct HTTPSTransportTests {
    @Test func plainHTTPIsRefusedUnlessAllowed() throws {
        var configuration = try ClientConfiguration(clientID: "c", redirectURI: "http://127.0.0.1/cb")
        try configuration.setTokenEndpoint("http://127.0.0.1:9/token")
        let client = OAuthClient(configuration)
        #expect(throws: PKCEError(.urlInsecure, "plain http is refused unless loopback http is allowed")) {
            try SecureBytes("r").withBytes { token throws(PKCEError) in _ = try client.refresh(refreshToken: token) }
        }
    }

    @Test func optionsAreKeptAndReplaced() throws {
        let client = OAuthClient(try ClientConfiguration(clientID: "c", redirectURI: "http://127.0.0.1/cb"))
        var options = TransportOptions()
        options.caFile = "/etc/ssl/certs/ca-certificates.crt"
        options.totalTimeoutMilliseconds = 1234
        client.transportOptions = options
        #expect(client.transportOptions.caFile == options.caFile)
        #expect(client.transportOptions.totalTimeoutMilliseconds == 1234)
    }
}
