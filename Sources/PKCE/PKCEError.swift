/// The one error type of libpkce. `code` is stable and matches `pkce_status`
/// in the C header number for number; `message` never contains a secret.
public struct PKCEError: Error, Equatable, CustomStringConvertible {
    public enum Code: Int32, Sendable {
        case invalidArgument = 1
        case bufferTooSmall = 2
        case outOfMemory = 3
        case notConfigured = 4
        case notFound = 5
        case verifierLength = 10
        case verifierCharset = 11
        case methodUnsupported = 12
        case random = 13
        case length = 14
        case urlInvalid = 20
        case urlInsecure = 21
        case parameterReserved = 22
        case callbackInvalid = 30
        case callbackDuplicate = 31
        case issuerMissing = 32
        case issuerMismatch = 33
        case stateMismatch = 34
        case codeMissing = 35
        case attemptUsed = 36
        case oauth = 40
        case httpStatus = 41
        case responseMalformed = 42
        case responseInvalid = 43
        case responseTooLarge = 44
        case connect = 50
        case tls = 51
        case timeout = 52
        case redirect = 53
        case transport = 54
        case discovery = 55
        case s256Unsupported = 56
        case idTokenMalformed = 60
        case idTokenAlgorithm = 61
        case idTokenKeyNotFound = 62
        case idTokenSignature = 63
        case idTokenClaim = 64
        case idTokenExpired = 65
        case idTokenNonce = 66
        case jwksInvalid = 67
        case idTokenMissing = 68
        case jwksUnknown = 69
        case portInUse = 70
        case signInTimeout = 71
        case cancelled = 72
        case browser = 73
        case listener = 74
        case authorizationPending = 75
        case slowDown = 76
        case accessDenied = 77
        case deviceExpired = 78
        case signInRaced = 79
        case store = 80
        case tokenExpired = 81
        case keyringUnavailable = 82
        case keyringTimeout = 83
        case keyringLocked = 84
        case challengeMalformed = 90
        case resourceMismatch = 91
        case registration = 92
        case pkceNotAdvertised = 93
        case insufficientScope = 94
        case dpopKey = 100
        case dpopNonce = 101
        case dpopNotBound = 102

        /// The static sentence behind `pkce_strerror`.
        public var summary: StaticString {
            switch self {
            case .invalidArgument: "invalid argument"
            case .bufferTooSmall: "buffer too small"
            case .outOfMemory: "out of memory"
            case .notConfigured: "the client lacks a setting this call needs"
            case .notFound: "not found"
            case .verifierLength: "code verifier must be 43 to 128 characters"
            case .verifierCharset: "code verifier has a character outside [A-Za-z0-9-._~]"
            case .methodUnsupported: "unsupported code challenge method"
            case .random: "the random number generator failed"
            case .length: "requested length out of range"
            case .urlInvalid: "invalid URL"
            case .urlInsecure: "URL is not https (http is allowed on loopback only)"
            case .parameterReserved: "parameter is set by the library and cannot be overridden"
            case .callbackInvalid: "callback URL is malformed"
            case .callbackDuplicate: "callback repeats a parameter"
            case .issuerMissing: "callback lacks the iss parameter"
            case .issuerMismatch: "callback iss does not match the expected issuer"
            case .stateMismatch: "callback state does not match"
            case .codeMissing: "no authorization code"
            case .attemptUsed: "this authorization attempt already accepted a callback"
            case .oauth: "the authorization server returned an OAuth error"
            case .httpStatus: "unexpected HTTP status"
            case .responseMalformed: "response is not well-formed JSON"
            case .responseInvalid: "response lacks a required field or has a field of the wrong type"
            case .responseTooLarge: "response is too large"
            case .connect: "could not resolve or connect to the server"
            case .tls: "TLS failed: the server's certificate is not trusted or does not match its name"
            case .timeout: "the request timed out"
            case .redirect: "the server answered with a redirect, which is not followed"
            case .transport: "the HTTP transfer failed"
            case .discovery: "the server's metadata is unusable"
            case .s256Unsupported: "the server does not support the S256 code challenge method"
            case .idTokenMalformed: "the ID token is not a well-formed JWS"
            case .idTokenAlgorithm: "the ID token's signing algorithm is refused"
            case .idTokenKeyNotFound: "no key in the server's JWKS can verify the ID token"
            case .idTokenSignature: "the ID token's signature is invalid"
            case .idTokenClaim: "an ID token claim is invalid"
            case .idTokenExpired: "the ID token has expired"
            case .idTokenNonce: "the ID token's nonce does not match"
            case .jwksInvalid: "the server's JWKS is malformed or holds an unusable key"
            case .idTokenMissing: "the server sent no ID token for an openid scope"
            case .jwksUnknown: "no JWKS to verify the ID token: neither jwks_uri nor keys are configured"
            case .portInUse: "every port the loopback listener may use is taken"
            case .signInTimeout: "no sign-in response arrived in time"
            case .cancelled: "the sign-in was cancelled"
            case .browser: "the browser could not be started"
            case .listener: "the loopback listener could not be set up"
            case .authorizationPending: "the user has not approved the device yet"
            case .slowDown: "the server asks to poll more slowly"
            case .accessDenied: "the user denied the authorization"
            case .deviceExpired: "the device code expired before it was approved"
            case .signInRaced: "the sign-in's one-time start URL was opened twice"
            case .store: "the token store could not be read or written"
            case .tokenExpired: "the access token expired and there is no refresh token"
            case .keyringUnavailable: "no Secret Service can be reached: no session bus, no keyring service, or no libsecret"
            case .keyringTimeout: "the Secret Service did not answer in time"
            case .keyringLocked: "the keyring is locked, and no prompt unlocked it"
            case .challengeMalformed: "a WWW-Authenticate header is malformed"
            case .resourceMismatch: "the metadata or token is for another resource than the one asked for"
            case .registration: "the client could not be registered with the authorization server"
            case .pkceNotAdvertised: "the server's metadata lacks code_challenge_methods_supported, which MCP requires"
            case .insufficientScope: "the resource asks for more scope than the token has, after the step-ups allowed"
            case .dpopKey: "the DPoP key cannot be made, read or used"
            case .dpopNonce: "the server asked for a new DPoP nonce again right after one was sent"
            case .dpopNotBound: "the server answered a DPoP request with tokens not bound to the key"
            }
        }
    }

    /// The OAuth error fields of RFC 6749 4.1.2.1 / 5.2, when the server sent them.
    public struct OAuthDetail: Equatable, Sendable {
        public var error: String
        public var description: String?
        public var uri: String?
    }

    public var code: Code
    public var message: String {
        get { details.contents.message }
        set { change(\.message, to: newValue) }
    }
    public var oauth: OAuthDetail? {
        get { details.contents.oauth }
        set { change(\.oauth, to: newValue) }
    }
    /// The HTTP status of the answer, 0 when there was none.
    public var httpStatus: Int {
        get { details.contents.httpStatus }
        set { change(\.httpStatus, to: newValue) }
    }
    /// The server's whole answer, when the error came from one: its body,
    /// members and request id.
    public var answer: JSONAnswer? {
        get { details.contents.answer }
        set { change(\.answer, to: newValue) }
    }

    /// Everything but the code, behind one reference: an error is then two
    /// words, which a function that throws hands back in registers. Held
    /// inline, its hundred bytes were copied through memory at every `try`
    /// of every caller, on the paths that succeed too.
    private var details: Details

    private struct Contents {
        var message: String
        var oauth: OAuthDetail?
        var httpStatus: Int
        var answer: JSONAnswer?
    }

    /// Shared between copies of an error, so never changed: a setter makes a new one.
    private final class Details: Sendable {
        let contents: Contents
        init(_ contents: Contents) { self.contents = contents }
    }

    private mutating func change<T>(_ field: WritableKeyPath<Contents, T>, to value: T) {
        var contents = details.contents
        contents[keyPath: field] = value
        details = Details(contents)
    }

    public init(_ code: Code, _ message: String? = nil, oauth: OAuthDetail? = nil, httpStatus: Int = 0,
                answer: JSONAnswer? = nil) {
        self.code = code
        details = Details(Contents(message: message ?? code.summary.description, oauth: oauth, httpStatus: httpStatus, answer: answer))
    }

    /// Equal when they say the same: the answers compare by body.
    public static func == (a: PKCEError, b: PKCEError) -> Bool {
        let sameAnswer = switch (a.answer, b.answer) {
        case (nil, nil): true
        case let (x?, y?): x.body.withBytes { x in y.body.withBytes { x.elementsEqual($0) } }
        default: false
        }
        return a.code == b.code && a.message == b.message && a.oauth == b.oauth && a.httpStatus == b.httpStatus && sameAnswer
    }

    /// Server- or caller-chosen text fit for a message: printable ASCII, at
    /// most `limit` characters. Only names, error codes and public URLs go
    /// through it, never secret values.
    package static func printable(_ text: String, limit: Int = 64) -> String {
        let clean = text.utf8.prefix(limit).map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }
        return String(decoding: clean, as: UTF8.self)
    }

    public var description: String {
        guard let oauth else { return message }
        return "\(message): \(oauth.error)" + (oauth.description.map { " (\($0))" } ?? "")
    }
}
