/// The device authorization grant (RFC 8628), sans I/O: for a device or a
/// session without a browser (an SSH login, a container). The user opens
/// `verificationURI` on another device and enters `userCode`, while this
/// program polls the token endpoint with the device code.
///
/// PKCE does not apply to this grant: no authorization code passes through
/// a browser or a redirect, so there is nothing for a verifier to bind.
///
/// Immutable apart from `interval`, which a `slow_down` answer raises; the
/// device code is wiped when the object is released.
public final class DeviceAuthorization: @unchecked Sendable {
    /// The grant type of the token requests (RFC 8628 3.4).
    public static let grantType = "urn:ietf:params:oauth:grant-type:device_code"
    /// The polling interval when the server names none (RFC 8628 3.2).
    public static let defaultInterval: Int64 = 5

    public let deviceCode: SecureBytes
    public let userCode: SecureBytes
    public let verificationURI: SecureBytes
    /// The verification URI with the user code in it, when the server sends one.
    public let verificationURIComplete: SecureBytes?
    /// Seconds the codes stay valid, counted from the answer.
    public let expiresIn: Int64
    /// Seconds to wait between polls; 5 more after every `slow_down`.
    public private(set) var interval: Int64

    /// Parses the device authorization endpoint's answer (RFC 8628 3.2).
    public convenience init(httpStatus: Int, body: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        try ServerAnswer.checkEnvelope(httpStatus: httpStatus, size: body.count)
        try self.init(HTTPResponse(status: httpStatus, body: SecureBytes(body)))
    }

    public init(_ response: HTTPResponse) throws(PKCEError) {
        let status = response.status
        let document = try ServerAnswer.successfulDocument(response)
        func required(_ name: String) throws(PKCEError) -> SecureBytes {
            guard let value = try ServerAnswer.stringMember(name, of: document, httpStatus: status), value.count > 0 else {
                throw PKCEError(.responseInvalid, "the device authorization answer has no \(name)", httpStatus: status)
            }
            return value
        }
        // What reaches the user's terminal and browser: a URL of the web
        // (never javascript: or file:, nor http to another host), and no
        // character a terminal interprets (escape sequences can clear the
        // screen, or show one link and open another).
        func shown(_ value: SecureBytes, _ name: String) throws(PKCEError) -> SecureBytes {
            let bytes = value.buffer
            let c1 = zip(bytes, bytes.dropFirst()).contains { $0 == 0xC2 && $1 >= 0x80 && $1 <= 0x9F }
            guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) && !c1 else {
                throw PKCEError(.responseInvalid, "the device authorization answer's \(name) holds control characters",
                                httpStatus: status)
            }
            return value
        }
        func webURL(_ value: SecureBytes, _ name: String) throws(PKCEError) -> SecureBytes {
            do { try URLRules.browserURL(value.string) } catch {
                throw PKCEError(.responseInvalid, "the device authorization answer's \(name) is not an https URL "
                                + "(http only on a loopback host): \(error.message)", httpStatus: status)
            }
            return value
        }
        deviceCode = try required("device_code")
        userCode = try shown(required("user_code"), "user_code")
        // RFC 8628 names it verification_uri; some servers (Google) send verification_url.
        var uri = try ServerAnswer.stringMember("verification_uri", of: document, httpStatus: status)
        if uri == nil { uri = try ServerAnswer.stringMember("verification_url", of: document, httpStatus: status) }
        guard let uri, uri.count > 0 else {
            throw PKCEError(.responseInvalid, "the device authorization answer has no verification_uri", httpStatus: status)
        }
        verificationURI = try webURL(uri, "verification_uri")
        verificationURIComplete = try ServerAnswer.stringMember("verification_uri_complete", of: document, httpStatus: status)
            .map { (uri) throws(PKCEError) in try webURL(uri, "verification_uri_complete") }
        guard let expiresIn = try ServerAnswer.secondsMember("expires_in", of: document, httpStatus: status), expiresIn > 0 else {
            throw PKCEError(.responseInvalid, "the device authorization answer has no positive expires_in", httpStatus: status)
        }
        self.expiresIn = expiresIn
        interval = max(try ServerAnswer.secondsMember("interval", of: document, httpStatus: status) ?? Self.defaultInterval, 1)
    }

    /// One poll of the token endpoint (RFC 8628 3.4).
    public func tokenRequest(_ client: ClientConfiguration) throws(PKCEError) -> HTTPRequest {
        guard let tokenEndpoint = client.tokenEndpoint else { throw PKCEError(.notConfigured, "no token endpoint configured") }
        var body = try RequestBodyBuilder(client.requestBodyFormat)
        body.add("grant_type", Self.grantType)
        body.add("device_code", deviceCode)
        client.addClient(to: &body)
        if let resource = client.resource { body.add("resource", resource) }
        return try client.post(to: tokenEndpoint, body: body)
    }

    /// `tokens(from:)` for an answer the caller received (sans-I/O).
    public func tokens(httpStatus: Int, body: UnsafeBufferPointer<UInt8>) throws(PKCEError) -> TokenResponse {
        try ServerAnswer.checkEnvelope(httpStatus: httpStatus, size: body.count)
        return try tokens(from: HTTPResponse(status: httpStatus, body: SecureBytes(body)))
    }

    /// Reads a poll's answer (RFC 8628 3.5): the tokens, or why not yet.
    /// `.authorizationPending`: poll again after `interval`; `.slowDown`: the
    /// same, and `interval` has grown by 5 seconds; `.accessDenied` and
    /// `.deviceExpired` end the grant. Other errors are as for a token answer.
    public func tokens(from response: HTTPResponse) throws(PKCEError) -> TokenResponse {
        do {
            return try TokenResponse(response)
        } catch where error.code == .oauth {
            let code: PKCEError.Code
            switch error.oauth?.error {
            case "authorization_pending": code = .authorizationPending
            case "slow_down":
                interval += 5
                code = .slowDown
            case "access_denied": code = .accessDenied
            case "expired_token": code = .deviceExpired
            default: throw error
            }
            throw PKCEError(code, error.message, oauth: error.oauth, httpStatus: error.httpStatus)
        }
    }
}

extension ClientConfiguration {
    /// The device authorization request (RFC 8628 3.1).
    public func deviceAuthorizationRequest(scope: String? = nil) throws(PKCEError) -> HTTPRequest {
        guard let endpoint = deviceAuthorizationEndpoint else {
            throw PKCEError(.notConfigured, "no device authorization endpoint configured")
        }
        var body = try RequestBodyBuilder(requestBodyFormat)
        addClient(to: &body)
        if let scope = scope ?? self.scope, !scope.isEmpty { body.add("scope", scope) }
        if let resource { body.add("resource", resource) }
        return try post(to: endpoint, body: body, proof: false)  // RFC 9449 has no proof for this endpoint
    }
}
