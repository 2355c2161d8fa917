/// The claims of an ID token that has been verified (signature and OpenID
/// Connect Core 3.1.3.7): the payload as received, in wiped memory, and its
/// members by name. Made by PKCEOIDC's verifier only; immutable.
public final class IDTokenClaims: @unchecked Sendable {
    /// The payload: a JSON object, valid UTF-8.
    public let json: SecureBytes
    private let document: JSONDocument
    /// `sub`: the user, as this issuer identifies them.
    public let subject: SecureBytes

    /// `json` must already be a parsed JSON object with a string `sub` (the verifier checked).
    package init(json: SecureBytes, document: JSONDocument, subject: SecureBytes) {
        self.json = json
        self.document = document
        self.subject = subject
    }

    /// The unescaped value of string claim `name`; nil when absent or null.
    public func string(_ name: String) throws(PKCEError) -> SecureBytes? {
        try document.stringMember(name, wrongType: PKCEError(.idTokenClaim, "claim \(PKCEError.printable(name)) is not a string"))
    }

    /// The JSON text of claim `name` as received (a string keeps its quotes).
    public func jsonText(_ name: String) -> UnsafeBufferPointer<UInt8>? {
        document.member(name).map { document.text($0) }
    }
}
