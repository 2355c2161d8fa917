/// The challenges of `WWW-Authenticate` headers (RFC 9110 11.6.1), parsed
/// sans-I/O: a resource server's 401 or 403 says there where its metadata
/// is and which scopes it wants (RFC 6750 3, RFC 9728 5.1). The header
/// comes from whatever server the caller reached, so the parser is strict
/// and bounded: a malformed header is an error, never a guess.
public struct AuthenticationChallenge: Sendable, Equatable {
    /// The scheme as sent ("Bearer", "DPoP", ...); compare it with `isScheme`.
    public let scheme: String
    /// A token68 in place of parameters (`Basic dXNlcg==` style); nil for parameters.
    public let token68: String?
    /// The parameters in order, names lower-cased (they are case-insensitive),
    /// values unquoted. A name appears at most once.
    public let parameters: [(name: String, value: String)]

    public static func == (a: Self, b: Self) -> Bool {
        a.scheme == b.scheme && a.token68 == b.token68
            && a.parameters.map(\.name) == b.parameters.map(\.name) && a.parameters.map(\.value) == b.parameters.map(\.value)
    }

    /// Whether the scheme is `name`, compared without regard to case.
    public func isScheme(_ name: String) -> Bool { scheme.lowercased() == name.lowercased() }

    /// The value of parameter `name` (give it in lower case).
    public subscript(_ name: String) -> String? { parameters.first { $0.name == name }?.value }

    /// More than this many challenges or parameters in all is refused: real servers send a handful.
    public static let maxItems = 64

    /// Every challenge of the given header values, in order (a server may
    /// send several headers, each with several challenges).
    public static func parse(_ values: [String]) throws(PKCEError) -> [AuthenticationChallenge] {
        var challenges: [AuthenticationChallenge] = []
        var items = 0
        for value in values {
            var parser = Parser(Array(value.utf8))
            try parser.parseList(into: &challenges, items: &items)
        }
        return challenges
    }

    public static func parse(_ value: String) throws(PKCEError) -> [AuthenticationChallenge] { try parse([value]) }

    /// The character classes of RFC 9110 5.6.2 (tchar) and 11.2 (token68).
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func isToken68Character(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "-._~+/".utf8.contains(byte)
        }
    }

    private struct Parser {
        let bytes: [UInt8]
        var p = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { p == bytes.count }
        var current: UInt8? { p < bytes.count ? bytes[p] : nil }

        func malformed(_ what: String) -> PKCEError {
            PKCEError(.challengeMalformed, "WWW-Authenticate: \(what) at byte \(p)")
        }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 { p += 1 }
        }

        /// Skips whitespace and the empty elements a `#` list allows.
        mutating func skipSeparators() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == UInt8(ascii: ",") { p += 1 }
        }

        mutating func token() -> String? {
            let start = p
            while let byte = current, AuthenticationChallenge.isTokenCharacter(byte) { p += 1 }
            return p > start ? String(decoding: bytes[start..<p], as: UTF8.self) : nil
        }

        /// Whether `token BWS "="` (an auth-param, not a new challenge) starts at p.
        func parameterFollows() -> Bool {
            var q = p
            while q < bytes.count, AuthenticationChallenge.isTokenCharacter(bytes[q]) { q += 1 }
            guard q > p else { return false }
            while q < bytes.count, bytes[q] == 0x20 || bytes[q] == 0x09 { q += 1 }
            guard q < bytes.count, bytes[q] == UInt8(ascii: "=") else { return false }
            // "=" then a value; "==", or "=" at the end of the element, pads a token68.
            q += 1
            while q < bytes.count, bytes[q] == 0x20 || bytes[q] == 0x09 { q += 1 }
            return q < bytes.count && (bytes[q] == UInt8(ascii: "\"") || AuthenticationChallenge.isTokenCharacter(bytes[q]))
        }

        mutating func quotedString() throws(PKCEError) -> String {
            p += 1  // the opening quote
            var value: [UInt8] = []
            while let byte = current {
                p += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: value, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = current, escaped == 0x09 || (escaped >= 0x20 && escaped != 0x7F) else {
                        throw malformed("a backslash escapes nothing or a control character")
                    }
                    value.append(escaped)
                    p += 1
                case 0x09, 0x20...0x7E, 0x80...0xFF:
                    value.append(byte)
                default:
                    throw malformed("a control character in a quoted string")
                }
            }
            throw malformed("a quoted string is not closed")
        }

        /// Whether what follows is the end of this element: OWS, then "," or the end.
        mutating func atElementEnd() -> Bool {
            skipWhitespace()
            return atEnd || current == UInt8(ascii: ",")
        }

        mutating func parseList(into challenges: inout [AuthenticationChallenge], items: inout Int) throws(PKCEError) {
            guard !bytes.contains(where: { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F }) else {
                throw PKCEError(.challengeMalformed, "WWW-Authenticate holds a control character")
            }
            skipSeparators()
            while !atEnd {
                guard let scheme = token() else { throw malformed("a challenge does not start with a scheme") }
                var token68: String?
                var parameters: [(name: String, value: String)] = []
                let hadSpace = current == 0x20
                skipWhitespace()
                if hadSpace, !atEnd, current != UInt8(ascii: ",") {
                    if parameterFollows() {
                        try parseParameters(into: &parameters, items: &items)
                    } else {
                        let start = p
                        while let byte = current, AuthenticationChallenge.isToken68Character(byte) { p += 1 }
                        while current == UInt8(ascii: "=") { p += 1 }
                        let end = p
                        guard end > start, atElementEnd() else { throw malformed("neither a token68 nor a parameter") }
                        token68 = String(decoding: bytes[start..<end], as: UTF8.self)
                    }
                } else if !atElementEnd() {
                    throw malformed("a scheme is followed by neither a space nor a comma")
                }
                items += 1
                guard items <= AuthenticationChallenge.maxItems else {
                    throw PKCEError(.challengeMalformed, "WWW-Authenticate has more than \(AuthenticationChallenge.maxItems) items")
                }
                challenges.append(AuthenticationChallenge(scheme: scheme, token68: token68, parameters: parameters))
                skipSeparators()
            }
        }

        /// `#auth-param` up to the next challenge (a token not followed by "=") or the end.
        mutating func parseParameters(into parameters: inout [(name: String, value: String)], items: inout Int) throws(PKCEError) {
            while parameterFollows() {
                guard let name = token()?.lowercased() else { throw malformed("a parameter has no name") }
                skipWhitespace()
                p += 1  // "=", which parameterFollows saw
                skipWhitespace()
                let value: String
                if current == UInt8(ascii: "\"") {
                    value = try quotedString()
                } else if let plain = token() {
                    value = plain
                } else {
                    throw malformed("parameter '\(PKCEError.printable(name))' has no value")
                }
                guard atElementEnd() else { throw malformed("parameter '\(PKCEError.printable(name))' is followed by more than a comma") }
                guard !parameters.contains(where: { $0.name == name }) else {
                    throw malformed("parameter '\(PKCEError.printable(name))' appears twice in one challenge")
                }
                items += 1
                guard items <= AuthenticationChallenge.maxItems else {
                    throw PKCEError(.challengeMalformed, "WWW-Authenticate has more than \(AuthenticationChallenge.maxItems) items")
                }
                parameters.append((name, value))
                skipSeparators()
            }
        }
    }
}

/// What a resource server's Bearer (or DPoP) challenge asks of the client:
/// RFC 6750 3's `error` and `scope`, and RFC 9728 5.1's `resource_metadata`.
public struct ResourceChallenge: Sendable, Equatable {
    /// `invalid_token`, `insufficient_scope`, `invalid_request`, ...; nil for a bare 401.
    public var error: String?
    public var errorDescription: String?
    /// The scopes the resource wants for this request (space-separated).
    public var scope: String?
    /// Where the resource's metadata is (RFC 9728 5.1).
    public var resourceMetadata: String?

    public init(error: String? = nil, errorDescription: String? = nil, scope: String? = nil, resourceMetadata: String? = nil) {
        self.error = error
        self.errorDescription = errorDescription
        self.scope = scope
        self.resourceMetadata = resourceMetadata
    }

    /// The first Bearer or DPoP challenge among the header values; nil when there is none.
    public init?(headers values: [String]) throws(PKCEError) {
        guard let challenge = try AuthenticationChallenge.parse(values).first(where: { $0.isScheme("Bearer") || $0.isScheme("DPoP") })
        else { return nil }
        self.init(error: challenge["error"], errorDescription: challenge["error_description"],
                  scope: challenge["scope"].flatMap { $0.isEmpty ? nil : $0 }, resourceMetadata: challenge["resource_metadata"])
        if let resourceMetadata {
            do { _ = try URLRules.endpoint(resourceMetadata) } catch {
                throw PKCEError(error.code, "resource_metadata in WWW-Authenticate is refused: \(error.message)")
            }
        }
    }

    /// Whether the resource asks for more scope (RFC 6750 3.1): a step-up.
    public var isInsufficientScope: Bool { error == "insufficient_scope" }
}
