extension AuthorizationAttempt {
    /// Checks the redirect the app received (a full URL, or its query
    /// starting with '?') and keeps its code for `tokenRequest()`.
    ///
    /// The order is that of RFC 9207 and RFC 6749 4.1.2: `iss` first, since a
    /// mix-up attack makes everything after it untrustworthy; then `state`,
    /// since an error response for someone else's request is not ours to
    /// report; then `error`; then `code`.
    ///
    /// The redirect is read where it lies: the code and state are decoded
    /// straight into memory that is wiped, never into a Swift `String`
    /// (which cannot be wiped).
    public func handleCallback(_ redirect: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        var ours = false
        try handleCallback(redirect, ours: &ours)
    }

    /// `handleCallback`, telling whether the response was shown to be this
    /// attempt's: `ours` is set once its state matched, before `iss` is
    /// judged. A failure after that ends this sign-in; one before it may be
    /// a stray or forged request that must not (the loopback listener).
    package func handleCallback(_ redirect: UnsafeBufferPointer<UInt8>, ours: inout Bool) throws(PKCEError) {
        guard code == nil else { throw PKCEError(.attemptUsed) }
        let parameters = try Self.callbackParameters(redirect)

        var seen = Set<String>()
        for parameter in parameters where !seen.insert(parameter.name).inserted {
            throw PKCEError(.callbackDuplicate, "callback repeats the parameter '\(PKCEError.printable(parameter.name))'")
        }
        func value(_ name: String) -> SecureBytes? { parameters.first { $0.name == name }?.value }
        // Compared first, acted on only after `iss`: nothing of the response
        // is used before both are checked.
        let returned = value("state")
        ours = returned.map { returned in returned.withBytes { PKCE.constantTimeEquals($0, state.buffer) } } ?? false

        if let issuer = configuration.value.issuer {
            if let iss = value("iss") {
                guard iss.string == issuer else {
                    throw PKCEError(.issuerMismatch, "callback iss '\(PKCEError.printable(iss.string, limit: 200))' "
                                    + "is not the expected issuer '\(PKCEError.printable(issuer, limit: 200))'")
                }
            } else if configuration.value.requiresIssuerParameter {
                throw PKCEError(.issuerMissing, "callback lacks the iss parameter that issuer "
                                + "'\(PKCEError.printable(issuer, limit: 200))' sends (RFC 9207)")
            }
        }
        guard returned != nil else { throw PKCEError(.stateMismatch, "callback has no state") }
        guard ours else { throw PKCEError(.stateMismatch) }
        if let error = value("error") {
            let detail = PKCEError.OAuthDetail(error: error.string, description: value("error_description").map { Self.oneLine($0.string) },
                                               uri: value("error_uri")?.string)
            throw PKCEError(.oauth, "authorization failed: \(PKCEError.printable(detail.error))", oauth: detail)
        }
        guard let code = value("code"), code.count > 0 else { throw PKCEError(.codeMissing, "callback has no code") }
        self.code = code
    }

    /// `handleCallback` for a redirect held in a Swift string (copied into wiped memory first).
    public func handleCallback(_ redirect: String) throws(PKCEError) {
        try SecureBytes(redirect).withBytes { bytes throws(PKCEError) in try handleCallback(bytes) }
    }

    static func callbackParameters(_ bytes: UnsafeBufferPointer<UInt8>) throws(PKCEError) -> [FormEncoding.Pair] {
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw PKCEError(.callbackInvalid, "callback contains a control character")
        }
        guard let mark = bytes.firstIndex(of: UInt8(ascii: "?")) else {
            throw PKCEError(.callbackInvalid, "callback has no query")
        }
        let end = bytes[(mark + 1)...].firstIndex(of: UInt8(ascii: "#")) ?? bytes.endIndex
        return try FormEncoding.parse(UnsafeBufferPointer(rebasing: bytes[(mark + 1)..<end]),
                                      controlAllowed: { $0 == "error_description" }) {
            PKCEError(.callbackInvalid, "callback has invalid percent-encoding, a control character or bytes that are not UTF-8")
        }
    }

    /// Text for display on one line: each run of control characters becomes
    /// one space. Microsoft Entra's error_description carries CR LF (its
    /// documented examples do); refusing it would leave a denial unreported.
    static func oneLine(_ text: String) -> String {
        var out = ""
        var inRun = false
        for c in text.unicodeScalars {
            let control = c.value < 0x20 || (c.value >= 0x7F && c.value < 0xA0)
            if !control { out.unicodeScalars.append(c) } else if !inRun { out += " " }
            inRun = control
        }
        return out
    }
}
