#if canImport(Glibc)
import Glibc
#endif
import COpenSSL

/// OpenSSL's CSPRNG, drawn in 4 KiB blocks into a per-thread pool.
///
/// Why: `RAND_bytes` costs about the same for 43 bytes as for 4 KiB, so one
/// call per verifier would be most of the cost of a PKCE pair. The pool is
/// - per thread (no locks, nothing shared),
/// - wiped byte for byte as it is handed out, and wholly when the thread ends,
/// - discarded in a child after `fork()`: a `pthread_atfork` handler bumps a
///   generation counter, and a pool of an older generation is never used, so
///   a child never repeats its parent's verifiers.
enum SecureRandom {
    static let poolBytes = 4096

    /// Calls `body` with `count` fresh random bytes, which are wiped right after.
    static func withBytes<R>(_ count: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) throws(PKCEError) -> R {
        guard count <= poolBytes, let pool = currentPool() else {
            let direct = secureAllocate(count)
            defer { OPENSSL_cleanse(direct, count); free(direct) }
            guard RAND_bytes(direct, Int32(count)) == 1 else { throw PKCEError(.random) }
            return body(UnsafeBufferPointer(start: direct, count: count))
        }
        if pool.pointee.used + count > poolBytes || pool.pointee.generation != forkGeneration {
            try refill(pool)
        }
        let start = pool.pointee.bytes + pool.pointee.used
        pool.pointee.used += count
        defer { OPENSSL_cleanse(start, count) }
        return body(UnsafeBufferPointer(start: start, count: count))
    }

    fileprivate struct Pool {
        var generation: UInt64
        var used: Int
        var bytes: UnsafeMutablePointer<UInt8>
    }

    /// This thread's pool, or nil when no thread-specific slot could be had
    /// (then every draw goes straight to RAND_bytes).
    private static func currentPool() -> UnsafeMutablePointer<Pool>? {
        guard let key = poolKey else { return nil }
        if let existing = pthread_getspecific(key) {
            return existing.assumingMemoryBound(to: Pool.self)
        }
        let pool = UnsafeMutablePointer<Pool>.allocate(capacity: 1)
        // `used == poolBytes` makes the first draw fill it.
        pool.initialize(to: Pool(generation: 0, used: poolBytes, bytes: secureAllocate(poolBytes)))
        guard pthread_setspecific(key, pool) == 0 else {
            releasePool(pool)
            return nil
        }
        return pool
    }

    /// Bytes already handed out were wiped then; the rest is overwritten here.
    private static func refill(_ pool: UnsafeMutablePointer<Pool>) throws(PKCEError) {
        pool.pointee.used = poolBytes
        guard RAND_bytes(pool.pointee.bytes, Int32(poolBytes)) == 1 else { throw PKCEError(.random) }
        pool.pointee.used = 0
        pool.pointee.generation = forkGeneration
    }

    fileprivate static func releasePool(_ pool: UnsafeMutablePointer<Pool>) {
        OPENSSL_cleanse(pool.pointee.bytes, poolBytes)
        free(pool.pointee.bytes)
        pool.deallocate()
    }
}

/// Bumped in the child of every fork(); only written while the child has a single thread.
nonisolated(unsafe) private var forkGeneration: UInt64 = 0

/// Created once, on first use; registering the fork handler rides on the same one-time initialisation.
private let poolKey: pthread_key_t? = {
    var key = pthread_key_t()
    let created = pthread_key_create(&key) { raw in
        guard let raw else { return }
        SecureRandom.releasePool(raw.assumingMemoryBound(to: SecureRandom.Pool.self))
    }
    guard created == 0, pthread_atfork(nil, nil, { forkGeneration &+= 1 }) == 0 else { return nil }
    return key
}()
