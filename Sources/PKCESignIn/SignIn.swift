import PKCE
import PKCEListener
import PKCETransport

extension OAuthClient {
    /// The whole native-app sign-in in one call: binds the loopback
    /// listener, points the attempt's redirect URI at the port it got,
    /// opens the listener's one-time start URL in the browser (which sends it
    /// on to the authorization URL: nothing of the attempt reaches the
    /// browser's argument vector), waits for the redirect, checks it, and
    /// exchanges the code (and verifier) for tokens.
    ///
    /// `attempt` carries provider parameters (WorkOS's `connection_id`, ...)
    /// when the caller made one; `listener` its ports, path and pages, and
    /// lets another thread `cancel()` the wait. A browser program that exits
    /// with a failure is reported in the log and, for `.system`, the URL is
    /// printed for the user; the wait goes on until `timeoutMilliseconds`.
    public func signIn(attempt: AuthorizationAttempt? = nil, listener: LoopbackListener? = nil,
                       browser: Browser = .system, timeoutMilliseconds: Int = 300_000) throws(PKCEError) -> TokenResponse {
        let log = configuration.log
        // `??` cannot carry typed throws: hence the spelled-out defaults.
        let listener = if let listener { listener } else { try LoopbackListener() }
        let attempt = if let attempt { attempt } else { try startAttempt() }
        try attempt.setRedirectURI(listener.redirectURI)
        let url = try listener.startURL(for: attempt.authorizationURL())
        let process = try browser.open(url, log: log)
        var reported = false
        try listener.waitForCallback(attempt, timeoutMilliseconds: timeoutMilliseconds, log: log) {
            guard let process, !reported, let status = process.reap(), status != 0 else { return }
            reported = true
            log?(.warning, "browser: \(PKCEError.printable(process.program)) exited with status \(status)")
            // Printed only while still unused: a second request for it ends the sign-in.
            if case .system = browser, !listener.startServed { Browser.printForUser(url) }
        }
        return try exchange(attempt)
    }
}
