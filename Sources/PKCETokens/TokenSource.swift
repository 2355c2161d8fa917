#if canImport(Glibc)
import Glibc
#endif
import PKCE
import PKCETransport

/// A valid access token whenever asked, from any number of threads:
/// refreshed when it is within `leeway` seconds of expiry, with one refresh
/// in flight however many threads ask (the others wait for its result), the
/// old refresh token kept when the server sends none, and, with a store,
/// one refresh across processes too: the store's lock is held while
/// refreshing, and the store is read again under it, since another process
/// may have refreshed already.
public final class TokenSource: @unchecked Sendable {
    public let client: OAuthClient
    public let store: TokenStore?
    public let key: StoredToken.Key
    /// Seconds before expiry at which a token counts as expired (default 60).
    public var leeway: Int64 {
        get { locked { leewaySeconds } }
        set { locked { published { leewaySeconds = max(newValue, 0) } } }
    }
    /// Unix seconds now; the system clock unless a test sets another.
    public var clock: @Sendable () -> Int64 {
        get { locked { now } }
        set { locked { published { now = newValue } } }
    }
    /// Called on the refreshing thread, with the server's answer, after each
    /// refresh that yields new tokens (not when another process refreshed).
    public var onRefresh: (@Sendable (TokenResponse) -> Void)? {
        get { locked { refreshed } }
        set { locked { refreshed = newValue } }
    }

    private var current: StoredToken { didSet { updateFastPath() } }
    private var leewaySeconds: Int64 = 60 { didSet { updateFastPath() } }
    // What the common call reads, kept beside `current` so that it touches
    // no reference count: the token's bytes (owned by `current`) and the
    // last second at which they count as fresh. Guarded by `hot`, a
    // read-write lock: callers only read, so they do not queue behind each
    // other; a change (under `mutex` too) takes it for writing.
    private var freshUntil = Int64.min
    private var fastToken: UnsafePointer<UInt8>?
    private var fastCount = 0
    private var now: @Sendable () -> Int64 = TokenSource.systemClock
    /// Unix seconds from the system's real-time clock.
    public static let systemClock: @Sendable () -> Int64 = { Int64(time(nil)) }
    private var refreshed: (@Sendable (TokenResponse) -> Void)?
    private var refreshing = false
    /// Counts finished refreshes, so that a waiter knows whether the one it waited for failed.
    private var generation = 0
    private var lastFailure: (generation: Int, error: PKCEError)?
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private let hot: UnsafeMutablePointer<pthread_rwlock_t>

    /// A source for `token`, the answer just received at `clock()` (saved to
    /// `store` when given), or, without one, for the entry `store` holds for
    /// this client, its issuer and `subject` (`.notFound` when there is none).
    public init(client: OAuthClient, token: TokenResponse?, store: TokenStore?, subject: String? = nil,
                clock: @escaping @Sendable () -> Int64 = TokenSource.systemClock) throws(PKCEError) {
        let configuration = client.configuration
        guard let tokenEndpoint = configuration.tokenEndpoint else { throw PKCEError(.notConfigured, "no token endpoint configured") }
        let key = StoredToken.Key(issuer: configuration.issuer ?? tokenEndpoint.url, clientID: configuration.clientID,
                                  subject: subject ?? token?.idTokenClaims?.subject.string ?? "")
        if let token {
            current = StoredToken(token, key: key, tokenEndpoint: tokenEndpoint.url, receivedAt: clock())
            let entry = current
            try store?.withLock { () throws(PKCEError) in try store?.save(entry) }
        } else {
            guard let store else { throw PKCEError(.invalidArgument, "a token source needs a token or a store") }
            guard let stored = try store.load(key) else {
                throw PKCEError(.notFound, "the store holds no token for this issuer, client and subject")
            }
            current = stored
        }
        self.client = client
        self.store = store
        self.key = key
        now = clock
        // Only now that nothing can throw: a failed init runs no deinit.
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        hot = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        pthread_rwlock_init(hot, nil)
        updateFastPath()
    }

    private func updateFastPath() {
        freshUntil = current.expiresAt.map { $0 - leewaySeconds - 1 } ?? .max
        fastToken = UnsafePointer(current.accessToken.base)
        fastCount = current.accessToken.count
    }

    deinit {
        pthread_rwlock_destroy(hot)
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        hot.deallocate()
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs a change of what the fast path reads, holding `hot` for writing.
    private func published(_ change: () -> Void) {
        pthread_rwlock_wrlock(hot)
        change()
        pthread_rwlock_unlock(hot)
    }

    private func locked<R>(_ body: () throws(PKCEError) -> R) throws(PKCEError) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    private func locked<R>(_ body: () -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// The tokens as they stand, refreshed first if need be.
    public func token() throws(PKCEError) -> StoredToken {
        pthread_mutex_lock(mutex)
        if current.isFresh(at: now(), leeway: leewaySeconds) {
            let fresh = current
            pthread_mutex_unlock(mutex)
            return fresh
        }
        // Someone is refreshing: wait for the outcome, and share it.
        let waitedFor = generation
        while refreshing { pthread_cond_wait(condition, mutex) }
        if generation != waitedFor {
            let failure = lastFailure.flatMap { $0.generation == generation ? $0.error : nil }
            let fresh = current.isFresh(at: now(), leeway: leewaySeconds) ? current : nil
            if failure != nil || fresh != nil { pthread_mutex_unlock(mutex) }
            if let failure { throw failure }
            if let fresh { return fresh }
        }
        refreshing = true
        let stale = current, clock = now, leeway = leewaySeconds, callback = refreshed
        pthread_mutex_unlock(mutex)

        var outcome: Result<(StoredToken, TokenResponse?), PKCEError>
        do { outcome = .success(try refresh(stale, clock: clock, leeway: leeway)) } catch { outcome = .failure(error) }

        pthread_mutex_lock(mutex)
        refreshing = false
        generation += 1
        switch outcome {
        case .success(let (fresh, _)):
            published { current = fresh }
            lastFailure = nil
        case .failure(let error):
            lastFailure = (generation, error)
        }
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        switch outcome {
        case .success(let (fresh, answer)):
            if let answer { callback?(answer) }
            return fresh
        case .failure(let error):
            throw error
        }
    }

    /// Copies a valid access token and a NUL into `out` and returns its
    /// length (see `token()`); `.bufferTooSmall` when it does not fit. The
    /// common case, no refresh due, takes the lock once, copies the bytes,
    /// and retains nothing: what `pkce_token_source_access_token` costs.
    public func copyAccessToken(into out: UnsafeMutableRawBufferPointer) throws(PKCEError) -> Int {
        pthread_rwlock_rdlock(hot)
        if now() <= freshUntil, let fastToken {
            let count = fastCount
            guard count < out.count else {
                pthread_rwlock_unlock(hot)
                throw PKCEError(.bufferTooSmall, "the access token needs \(count + 1) bytes")
            }
            out.baseAddress?.copyMemory(from: fastToken, byteCount: count + 1)
            pthread_rwlock_unlock(hot)
            return count
        }
        pthread_rwlock_unlock(hot)
        let token = try token().accessToken
        guard token.count < out.count else { throw PKCEError(.bufferTooSmall, "the access token needs \(token.count + 1) bytes") }
        out.baseAddress?.copyMemory(from: token.base, byteCount: token.count + 1)
        return token.count
    }

    /// A valid access token (see `token()`). The common case, a token that
    /// needs no refresh, takes the lock once and copies nothing.
    public func accessToken() throws(PKCEError) -> SecureBytes {
        pthread_mutex_lock(mutex)
        if current.isFresh(at: now(), leeway: leewaySeconds) {
            let accessToken = current.accessToken
            pthread_mutex_unlock(mutex)
            return accessToken
        }
        pthread_mutex_unlock(mutex)
        return try token().accessToken
    }

    /// New tokens for `stale`: from the store when another process already
    /// refreshed (the answer is then nil), else from the server.
    private func refresh(_ stale: StoredToken, clock: () -> Int64, leeway: Int64) throws(PKCEError) -> (StoredToken, TokenResponse?) {
        guard let store else { return try refreshAtServer(stale, clock: clock) }
        return try store.withLock { () throws(PKCEError) -> (StoredToken, TokenResponse?) in
            let stored = try store.load(key)
            if let stored, stored.isFresh(at: clock(), leeway: leeway) { return (stored, nil) }
            let fresh = try refreshAtServer(stored ?? stale, clock: clock)
            try store.save(fresh.0)
            return fresh
        }
    }

    private func refreshAtServer(_ stale: StoredToken, clock: () -> Int64) throws(PKCEError) -> (StoredToken, TokenResponse?) {
        guard let refreshToken = stale.refreshToken else {
            throw PKCEError(.tokenExpired, "the access token expired and there is no refresh token: sign in again")
        }
        let answer = try refreshToken.withBytes { (bytes) throws(PKCEError) in try client.refresh(refreshToken: bytes) }
        let fresh = StoredToken(answer, key: key, tokenEndpoint: stale.tokenEndpoint, receivedAt: clock(), previous: stale)
        return (fresh, answer)
    }
}
