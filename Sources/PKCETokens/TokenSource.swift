#if canImport(Glibc)
import Glibc
#endif
import PKCE
import PKCETransport
import Synchronization

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
    /// Whose tokens these are, as the store files them (`replace` may refile them).
    public var key: StoredToken.Key { locked { current.key } }
    /// Seconds before expiry at which a token counts as expired (default 60).
    public var leeway: Int64 {
        get { locked { leewaySeconds } }
        set { locked { leewaySeconds = max(newValue, 0) } }
    }
    /// A fixed "now" in Unix seconds (> 0), for tests; nil reads the system clock.
    public var fixedTime: Int64? {
        get { locked { fixed } }
        set { locked { fixed = newValue.flatMap { $0 > 0 ? $0 : nil } } }
    }
    /// Called on the refreshing thread, with the server's answer, after each
    /// refresh that yields new tokens (not when another process refreshed).
    public var onRefresh: (@Sendable (TokenResponse) -> Void)? {
        get { locked { refreshed } }
        set { locked { refreshed = newValue } }
    }

    /// Signs in again for a resource's `insufficient_scope` challenge, given
    /// the scope the current token has, and returns the new tokens.
    public typealias StepUp = @Sendable (ResourceChallenge, _ granted: String?) throws(PKCEError) -> TokenResponse

    /// What `send` does with a 403 `insufficient_scope`: nil returns it to
    /// the caller; a handler signs in again (at most `maxStepUps` times for
    /// one request, and never for a scope the token already has).
    public var stepUp: StepUp? {
        get { locked { stepUpHandler } }
        set { locked { stepUpHandler = newValue } }
    }

    // Guarded by `mutex`; each change of what the common call needs publishes a new snapshot.
    private var current: StoredToken { didSet { publishSnapshot() } }
    private var leewaySeconds: Int64 = 60 { didSet { publishSnapshot() } }
    private var fixed: Int64? { didSet { publishSnapshot() } }
    private var refreshed: (@Sendable (TokenResponse) -> Void)?
    private var stepUpHandler: StepUp?
    private var refreshing = false
    /// Counts finished refreshes, so that a waiter knows whether the one it waited for failed.
    private var generation = 0
    private var lastFailure: (generation: Int, error: PKCEError)?
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    // The common call, no refresh due, takes no lock and writes no shared
    // memory: it loads the address of the current snapshot, an immutable
    // block of [last fresh second: Int64][fixed now, 0 for none: Int64]
    // [count: Int][the token's bytes and a NUL], and copies from it. So eight
    // threads asking at once do not take turns on a lock's cache line. A
    // replaced snapshot may still be read by a thread that loaded it a moment
    // before: it is kept, and wiped and freed with the source (a refresh an
    // hour adds a few dozen bytes).
    private let snapshot = Atomic<UInt>(0)
    private var retired: [UnsafeMutableRawPointer] = []
    private static let snapshotHeader = 24

    /// Where the client's tokens are filed: its issuer (or token endpoint),
    /// client id and resource, and `subject`; and its token endpoint.
    private static func key(_ configuration: ClientConfiguration, subject: String) throws(PKCEError) -> (StoredToken.Key, String) {
        guard let tokenEndpoint = configuration.tokenEndpoint else { throw PKCEError(.notConfigured, "no token endpoint configured") }
        let key = StoredToken.Key(issuer: configuration.issuer ?? tokenEndpoint.url, clientID: configuration.clientID,
                                  subject: subject, resource: configuration.resource ?? "")
        return (key, tokenEndpoint.url)
    }

    /// Takes the tokens of a new sign-in in place of the current ones (a
    /// step-up), filed as the client is configured now (the sign-in may have
    /// registered another client) and saved to the store.
    public func replace(with answer: TokenResponse) throws(PKCEError) {
        let (subject, receivedAt) = locked { (current.key.subject, now()) }
        let (key, tokenEndpoint) = try Self.key(client.configuration, subject: answer.idTokenClaims?.subject.string ?? subject)
        let entry = StoredToken(answer, key: key, tokenEndpoint: tokenEndpoint, receivedAt: receivedAt)
        try store?.withLock { () throws(PKCEError) in try store?.save(entry) }
        locked { current = entry }
    }

    /// Unix seconds from the system's real-time clock.
    public static func systemTime() -> Int64 { Int64(time(nil)) }

    private func now() -> Int64 { fixed ?? Self.systemTime() }

    /// A source for `token`, the answer just received (at `fixedTime`, or now; saved to
    /// `store` when given), or, without one, for the entry `store` holds for
    /// this client, its issuer and `subject` (`.notFound` when there is none).
    public init(client: OAuthClient, token: TokenResponse?, store: TokenStore?, subject: String? = nil,
                fixedTime: Int64? = nil) throws(PKCEError) {
        let (key, tokenEndpoint) = try Self.key(client.configuration, subject: subject ?? token?.idTokenClaims?.subject.string ?? "")
        if let token {
            current = StoredToken(token, key: key, tokenEndpoint: tokenEndpoint, receivedAt: fixedTime ?? Self.systemTime())
            // A token parsed again without its key (a binding's copy) was got with the client's.
            if current.dpopKey == nil { current.dpopKey = client.configuration.dpopKey }
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
        fixed = fixedTime.flatMap { $0 > 0 ? $0 : nil }
        // Only now that nothing can throw: a failed init runs no deinit.
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        publishSnapshot()
    }

    /// Makes a snapshot of what the common call needs and publishes it; the
    /// old one is retired. Without memory for it, the common call takes the
    /// slow path (which works) until the next change.
    private func publishSnapshot() {
        let token = current.accessToken
        var block: UnsafeMutableRawPointer?
        if let raw = malloc(Self.snapshotHeader + token.count + 1) {
            raw.storeBytes(of: current.expiresAt.map { $0 - leewaySeconds - 1 } ?? .max, as: Int64.self)
            raw.storeBytes(of: fixed ?? 0, toByteOffset: 8, as: Int64.self)
            raw.storeBytes(of: token.count, toByteOffset: 16, as: Int.self)
            (raw + Self.snapshotHeader).copyMemory(from: token.base, byteCount: token.count + 1)
            block = raw
        }
        let old = snapshot.exchange(UInt(bitPattern: block), ordering: .acquiringAndReleasing)
        if let old = UnsafeMutableRawPointer(bitPattern: old) { retired.append(old) }
    }

    deinit {
        if let last = UnsafeMutableRawPointer(bitPattern: snapshot.load(ordering: .acquiring)) { retired.append(last) }
        for block in retired {
            wipe(block, Self.snapshotHeader + block.load(fromByteOffset: 16, as: Int.self) + 1)
            free(block)
        }
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
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
        let stale = current, time = fixed, leeway = leewaySeconds, callback = refreshed
        let clock = { time ?? Self.systemTime() }
        pthread_mutex_unlock(mutex)

        var outcome: Result<(StoredToken, TokenResponse?), PKCEError>
        do { outcome = .success(try refresh(stale, clock: clock, leeway: leeway)) } catch { outcome = .failure(error) }

        pthread_mutex_lock(mutex)
        refreshing = false
        generation += 1
        switch outcome {
        case .success(let (fresh, _)):
            current = fresh
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

    /// The tokens after a resource refused `rejected` (a 401 with
    /// `invalid_token`): refreshed now, however long the token had to run,
    /// unless another thread or process has already replaced it.
    public func token(replacing rejected: SecureBytes) throws(PKCEError) -> StoredToken {
        locked {
            if current.accessToken.buffer.elementsEqual(rejected.buffer) { current.expiresAt = 0 }
        }
        return try token()
    }

    /// Copies a valid access token and a NUL into `out` and returns its
    /// length (see `token()`); `.bufferTooSmall` when it does not fit. The
    /// common case, no refresh due, reads the snapshot: no lock, nothing
    /// retained, nothing written but `out`.
    public func copyAccessToken(into out: UnsafeMutableRawBufferPointer) throws(PKCEError) -> Int {
        if let block = UnsafeRawPointer(bitPattern: snapshot.load(ordering: .acquiring)) {
            let fixedNow = block.load(fromByteOffset: 8, as: Int64.self)
            if (fixedNow != 0 ? fixedNow : Self.systemTime()) <= block.load(as: Int64.self) {
                let count = block.load(fromByteOffset: 16, as: Int.self)
                guard count < out.count else { throw PKCEError(.bufferTooSmall, "the access token needs \(count + 1) bytes") }
                out.baseAddress?.copyMemory(from: block + Self.snapshotHeader, byteCount: count + 1)
                return count
            }
        }
        let token = try token().accessToken
        guard token.count < out.count else { throw PKCEError(.bufferTooSmall, "the access token needs \(token.count + 1) bytes") }
        out.baseAddress?.copyMemory(from: token.base, byteCount: token.count + 1)
        return token.count
    }

    /// New tokens for `stale`: from the store when another process already
    /// refreshed (the answer is then nil), else from the server.
    /// The server has rotated past the stored refresh token, which is therefore
    /// not to be read back; `stale` (the tokens in memory) holds the one it
    /// honours. Set and read only by the refreshing thread.
    private var unsaved = false

    private func refresh(_ stale: StoredToken, clock: () -> Int64, leeway: Int64) throws(PKCEError) -> (StoredToken, TokenResponse?) {
        guard let store else { return try refreshAtServer(stale, clock: clock) }
        return try store.withLock { () throws(PKCEError) -> (StoredToken, TokenResponse?) in
            var base = stale
            if !unsaved, let stored = try store.load(stale.key) {
                // Another process's newer token; not the one a resource just refused.
                if stored.isFresh(at: clock(), leeway: leeway), !stored.accessToken.buffer.elementsEqual(stale.accessToken.buffer) {
                    return (stored, nil)
                }
                base = stored
            }
            // Before the refresh token is spent: tokens a rotating server sends
            // must not be lost to a store that cannot take them.
            try store.checkWritable()
            let fresh = try refreshAtServer(base, clock: clock)
            do throws(PKCEError) {
                try store.save(fresh.0)
                unsaved = false
            } catch {
                // Still lost would be worse: the next run would send the old refresh
                // token, which a rotating server takes for theft. Kept in memory,
                // handed out, and saved with the next refresh.
                unsaved = true
                client.configuration.log?(.warning, "token source: the refreshed tokens could not be saved "
                                          + "(\(error.message)); kept in memory and saved with the next refresh")
            }
            return fresh
        }
    }

    private func refreshAtServer(_ stale: StoredToken, clock: () -> Int64) throws(PKCEError) -> (StoredToken, TokenResponse?) {
        guard let refreshToken = stale.refreshToken else {
            throw PKCEError(.tokenExpired, "the access token expired and there is no refresh token: sign in again")
        }
        let answer = try refreshToken.withBytes { (bytes) throws(PKCEError) in
            try client.refresh(refreshToken: bytes, dpop: stale.dpopKey)
        }
        let fresh = StoredToken(answer, key: stale.key, tokenEndpoint: stale.tokenEndpoint, receivedAt: clock(), previous: stale)
        return (fresh, answer)
    }
}
