import CLibcurl
import PKCE

/// libcurl, loaded the first time a transfer needs it (see lpk_curl.h for
/// why it is not linked), checked, and initialised once per process.
enum Libcurl {
    /// 7.85.0: the first with CURLOPT_PROTOCOLS_STR, which limits a transfer to https.
    static let minimumVersion: UInt32 = 0x07_55_00
    static let minimumVersionText = "7.85.0"

    /// Throws the reason HTTPS is unavailable, the same one on every call.
    static func ready() throws(PKCEError) {
        if case .failure(let error) = loaded { throw error }
    }

    /// Whether a libcurl that reports these versions will do: recent enough,
    /// and its TLS done by OpenSSL (the GnuTLS flavour has other CA handling
    /// and none of the OpenSSL hooks libpkce relies on).
    static func check(versionNumber: UInt32, version: String, sslVersion: String) throws(PKCEError) {
        guard versionNumber >= minimumVersion else {
            throw PKCEError(.transport, "libpkce needs \(LPK_CURL_SONAME) \(minimumVersionText) or later for HTTPS; "
                            + "the one loaded is \(PKCEError.printable(version))")
        }
        guard sslVersion.hasPrefix("OpenSSL/") else {
            let backend = sslVersion.isEmpty ? "no TLS library" : PKCEError.printable(sslVersion)
            throw PKCEError(.transport, "libpkce needs the OpenSSL flavour of \(LPK_CURL_SONAME) (Debian: libcurl4) for HTTPS; "
                            + "the one loaded (\(PKCEError.printable(version))) uses \(backend)")
        }
    }
}

/// Computed once, on first use; Swift runs a global's initialiser exactly
/// once, under a lock, whichever threads ask at the same time.
private let loaded: Result<Void, PKCEError> = {
    var reason = [CChar](repeating: 0, count: 256)
    var why: String { String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    guard lpk_curl_open(&reason, reason.count) == 1 else {
        return .failure(PKCEError(.transport, "libpkce needs \(LPK_CURL_SONAME) for HTTPS and could not load it: \(why)"))
    }
    do throws(PKCEError) {
        try Libcurl.check(versionNumber: lpk_curl_version_number(), version: String(cString: lpk_curl_version()),
                          sslVersion: String(cString: lpk_curl_ssl_version()))
    } catch {
        return .failure(error)
    }
    guard lpk_curl_open_tls(&reason, reason.count) == 1 else {
        return .failure(PKCEError(.transport, "libpkce needs the OpenSSL flavour of \(LPK_CURL_SONAME) for HTTPS: \(why)"))
    }
    // Reference-counted by libcurl: an application that also calls it is unaffected.
    guard lpk_curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK else {
        return .failure(PKCEError(.transport, "curl_global_init failed"))
    }
    return .success(())
}()
