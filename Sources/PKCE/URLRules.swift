/// An endpoint URL that passed `URLRules.endpoint`: absolute, https (or http
/// on a loopback host), no fragment, no user info, printable ASCII only.
public final class Endpoint: Sendable {
    public let url: String
    /// The URL as every request to the endpoint carries it, made once: an
    /// exchange copied it into wiped memory each time. (A class, so that a
    /// configuration's endpoints are shared, not copied field by field.)
    let bytes: SecureBytes
    /// What goes between the URL and the first added parameter: "?", "&" or nothing.
    let separator: StaticString

    init(validated url: String) throws(PKCEError) {
        self.url = url
        bytes = try SecureBytes(url)
        var separator: StaticString = "?"
        if let q = url.utf8.firstIndex(of: UInt8(ascii: "?")) {
            let last = url.utf8.last
            separator = (url.utf8.index(after: q) == url.utf8.endIndex || last == UInt8(ascii: "&")) ? "" : "&"
        }
        self.separator = separator
    }
}

/// The checks every URL the library sends to, or sends the user to, has to pass.
package enum URLRules {
    struct Parts {
        var scheme: Substring.UTF8View
        var host: Substring.UTF8View?
        var query: Substring.UTF8View?
    }

    /// Splits an absolute URL. Refuses control characters, spaces, non-ASCII,
    /// a fragment and user info; a scheme with `//` must have a host and a
    /// numeric port.
    static func split(_ url: String) throws(PKCEError) -> Parts {
        let bytes = url.utf8
        guard !bytes.isEmpty else { throw PKCEError(.urlInvalid, "URL is empty") }
        for byte in bytes where byte <= 0x20 || byte >= 0x7F {
            throw PKCEError(.urlInvalid, "URL contains a space, a control character or a non-ASCII byte")
        }
        if bytes.contains(UInt8(ascii: "#")) { throw PKCEError(.urlInvalid, "URL has a fragment") }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
              let first = bytes.first, isAlpha(first),
              bytes[..<colon].allSatisfy({ isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
        else { throw PKCEError(.urlInvalid, "URL is not absolute (no scheme)") }
        let whole = Substring(url)
        var parts = Parts(scheme: whole.utf8[..<colon])
        let rest = whole.utf8[bytes.index(after: colon)...]
        if let q = rest.firstIndex(of: UInt8(ascii: "?")) { parts.query = rest[rest.index(after: q)...] }
        guard rest.starts(with: "//".utf8) else { return parts }
        let authorityStart = rest.index(rest.startIndex, offsetBy: 2)
        let authorityEnd = rest[authorityStart...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.endIndex
        let authority = rest[authorityStart..<authorityEnd]
        if authority.contains(UInt8(ascii: "@")) { throw PKCEError(.urlInvalid, "URL carries user info") }
        var hostEnd = authority.endIndex
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { throw PKCEError(.urlInvalid, "URL has an unclosed IPv6 literal") }
            hostEnd = authority.index(after: close)
        } else if let portColon = authority.firstIndex(of: UInt8(ascii: ":")) {
            hostEnd = portColon
        }
        let host = authority[..<hostEnd]
        guard !host.isEmpty else { throw PKCEError(.urlInvalid, "URL has no host") }
        let portPart = authority[hostEnd...]
        if !portPart.isEmpty {
            let digits = portPart.dropFirst()
            guard portPart.first == UInt8(ascii: ":"), !digits.isEmpty, digits.count <= 5, digits.allSatisfy(isDigit),
                  Int(Substring(digits)) ?? Int.max <= 65535
            else { throw PKCEError(.urlInvalid, "URL has an invalid port") }
        }
        parts.host = host
        return parts
    }

    /// `endpoint(url)` for a setting that may be removed (nil).
    static func endpoint(ifAny url: String?) throws(PKCEError) -> Endpoint? {
        guard let url else { return nil }
        return try endpoint(url)
    }

    /// Authorization and token endpoints: https, or http on a loopback host.
    static func endpoint(_ url: String) throws(PKCEError) -> Endpoint {
        let parts = try split(url)
        guard try checkWebScheme(parts) else { throw PKCEError(.urlInsecure) }
        if let query = parts.query {
            let reserved = try SecureBytes(String(Substring(query))).withBytes { bytes throws(PKCEError) in
                try FormEncoding.parse(bytes) { PKCEError(.urlInvalid, "URL query has invalid percent-encoding") }
            }.first { AuthorizationAttempt.reservedParameters.contains($0.name) }
            if let reserved { throw PKCEError(.parameterReserved, "endpoint query sets '\(reserved.name)', which the library sets") }
        }
        return try Endpoint(validated: url)
    }

    /// A URL a browser is sent to (the listener's start URL redirects
    /// there): https, or http on a loopback host.
    package static func browserURL(_ url: String) throws(PKCEError) {
        guard try checkWebScheme(split(url)) else { throw PKCEError(.urlInsecure) }
    }

    /// Redirect URIs (RFC 8252): https, http on a loopback host, or a private-use scheme.
    static func redirectURI(_ url: String) throws(PKCEError) {
        _ = try checkWebScheme(split(url))
    }

    /// https needs a host, http a loopback host; false for any other scheme.
    private static func checkWebScheme(_ parts: Parts) throws(PKCEError) -> Bool {
        let scheme = lowercased(parts.scheme)
        guard scheme == "https" || scheme == "http" else { return false }
        guard let host = parts.host else { throw PKCEError(.urlInvalid, "URL has no host") }
        guard scheme == "https" || isLoopback(host) else { throw PKCEError(.urlInsecure) }
        return true
    }

    /// localhost, 127.0.0.0/8 as a dotted quad, or [::1].
    static func isLoopback(_ host: Substring.UTF8View) -> Bool {
        let name = lowercased(host)
        if name == "localhost" || name == "[::1]" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { octet in
            !octet.isEmpty && octet.count <= 3 && octet.utf8.allSatisfy(isDigit) && Int(octet) ?? Int.max <= 255
        }
    }

    private static func lowercased(_ bytes: Substring.UTF8View) -> String {
        String(decoding: bytes.map(\.asciiLowercased), as: UTF8.self)
    }
    private static func isAlpha(_ b: UInt8) -> Bool { isUpper(b) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) }
    private static func isUpper(_ b: UInt8) -> Bool { b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") }
    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}
