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
        if attempt.client.pushesAuthorizationRequests, attempt.requestURI == nil { try push(attempt) }
        try URLRules.browserURL(attempt.authorizationURL())
        // The URL is made when the browser comes: a pushed request that expired meanwhile is pushed again.
        let url = try listener.startURL { () throws(PKCEError) -> String in
            if attempt.pushedRequestExpired {
                log?(.info, "PAR: the pushed request expired before the browser came; pushing it again")
                try self.push(attempt)
            }
            return try attempt.authorizationURL()
        }
        let watch = BrowserWatch(try browser.open(url, log: log), url: url, browser: browser, listener: listener, log: log)
        try listener.waitForCallback(attempt, timeoutMilliseconds: timeoutMilliseconds, log: log, tick: watch.tick)
        return try exchange(attempt)
    }
}

extension OAuthClient {
    /// A sign-out made from the client's configuration (its end-session
    /// endpoint, or WorkOS's logout).
    public func startLogout() throws(PKCEError) -> LogoutAttempt {
        try LogoutAttempt(shared: snapshot)
    }

    /// Ends the user's session at the server in the browser (OpenID Connect
    /// RP-Initiated Logout). The browser always gets a loopback listener's
    /// one-time start URL, never the logout URL, whose `id_token_hint` would
    /// sit in the browser program's argument vector. With `waitForRedirect`,
    /// the server is asked to send the browser back to the listener
    /// (`post_logout_redirect_uri`, with the state), and this returns once
    /// that redirect came and was checked, as a sign-in's is; without, it
    /// returns once the browser has fetched the start URL. `listener`: one
    /// of the caller's (its ports, path, `cancel()`), else one of its own.
    public func signOut(_ logout: LogoutAttempt, listener: LoopbackListener? = nil, waitForRedirect: Bool = true,
                        browser: Browser = .system, timeoutMilliseconds: Int = 300_000) throws(PKCEError) {
        let log = configuration.log
        let listener = if let listener { listener } else { try LoopbackListener() }
        try logout.setPostLogoutRedirectURI(waitForRedirect ? listener.redirectURI : nil)
        listener.pages = ListenerPages.signedOut
        let url = try listener.startURL(for: logout.logoutURL())
        let watch = BrowserWatch(try browser.open(url, log: log), url: url, browser: browser, listener: listener, log: log)
        if waitForRedirect {
            try listener.waitForCallback(logout, timeoutMilliseconds: timeoutMilliseconds, log: log, tick: watch.tick)
        } else {
            try listener.waitForStart(timeoutMilliseconds: timeoutMilliseconds, log: log, tick: watch.tick)
        }
    }
}

/// Watches the browser program while the listener waits: one that exits
/// with a failure is reported in the log and, for `.system`, the URL is
/// printed for the user (only while still unused: a second request for the
/// start URL ends the wait).
private final class BrowserWatch {
    let process: BrowserProcess?
    let url: String
    let browser: Browser
    let listener: LoopbackListener
    let log: Log?
    var reported = false

    init(_ process: BrowserProcess?, url: String, browser: Browser, listener: LoopbackListener, log: Log?) {
        self.process = process
        self.url = url
        self.browser = browser
        self.listener = listener
        self.log = log
    }

    func tick() {
        guard let process, !reported, let status = process.reap(), status != 0 else { return }
        reported = true
        log?(.warning, "browser: \(PKCEError.printable(process.program)) exited with status \(status)")
        if case .system = browser, !listener.startServed { Browser.printForUser(url) }
    }
}
