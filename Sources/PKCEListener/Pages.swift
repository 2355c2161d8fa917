import PKCE

/// The pages the listener answers the browser with. They say what happened
/// and that the window may be closed; they never show a code, a state or a
/// token, and they load nothing (a strict Content-Security-Policy).
public struct ListenerPages: Sendable {
    /// Shown when the sign-in response was accepted.
    public var success: String
    /// Shown when it was refused: `{error}` and `{error_description}` are
    /// replaced by the server's OAuth error fields (or libpkce's reason),
    /// HTML-escaped.
    public var error: String

    public init(success: String = ListenerPages.defaultSuccess, error: String = ListenerPages.defaultError) {
        self.success = success
        self.error = error
    }

    public static let defaultSuccess = page(
        "Signed in", "<h1>Signed in</h1><p>You may close this window and return to the application.</p>")
    public static let defaultError = page(
        "Sign-in failed",
        "<h1>Sign-in failed</h1><p><strong>{error}</strong></p><p>{error_description}</p>"
            + "<p>You may close this window and return to the application.</p>")
    /// What a sign-out shows once the browser came back.
    public static let signedOut = ListenerPages(
        success: page("Signed out", "<h1>Signed out</h1><p>You may close this window and return to the application.</p>"),
        error: page("Sign-out failed", "<h1>Sign-out failed</h1><p><strong>{error}</strong></p><p>{error_description}</p>"
            + "<p>You may close this window and return to the application.</p>"))
    static let notFound = page("Not found", "<h1>Not found</h1>")
    static let redirecting = page("Signing in", "<h1>Signing in</h1><p>Continuing to the sign-in page.</p>")

    private static func page(_ title: String, _ body: String) -> String {
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(title)</title>"
            + "<style>body{font-family:sans-serif;margin:4em auto;max-width:36em;padding:0 1em}</style></head>"
            + "<body>\(body)</body></html>\n"
    }

    /// The error page with its placeholders filled in, in one pass (a value
    /// that holds a placeholder's name is not filled in again). Written out
    /// rather than with `replacing`, which would link Swift's whole string
    /// processing library into libpkce for two substitutions.
    func error(_ error: String, _ description: String?) -> String {
        let values = [("{error_description}", Self.escaped(description ?? "")), ("{error}", Self.escaped(error))]
        var page = ""
        var rest = self.error[...]
        while let open = rest.firstIndex(of: "{") {
            page += rest[..<open]
            rest = rest[open...]
            if let (name, value) = values.first(where: { rest.hasPrefix($0.0) }) {
                page += value
                rest = rest.dropFirst(name.count)
            } else {
                page.append("{")
                rest = rest.dropFirst()
            }
        }
        return page + rest
    }

    /// Text fit for HTML element content and attribute values.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
