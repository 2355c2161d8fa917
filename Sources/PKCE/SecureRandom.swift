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
/// - never inherited by a child process, however it was made: the pool lives
///   in pages marked MADV_WIPEONFORK, which the kernel hands a child zeroed,
///   and a zeroed pool has no `valid` marker, so it is refilled before use.
///   That covers fork(), glibc's _Fork() and raw clone calls alike, which a
///   pthread_atfork handler would not (_Fork and clone skip those handlers).
///   Where the kernel refuses the advice (before Linux 4.14), the pool records
///   the process id and compares it on every draw instead.
enum SecureRandom {
    static let poolBytes = 4096

    /// Calls `body` with `count` fresh random bytes, which are wiped right after.
    static func withBytes<R>(_ count: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) throws(PKCEError) -> R {
        guard count <= poolBytes, let pool = currentPool() else {
            let direct = try secureAllocate(count)
            defer { wipe(direct, count); free(direct) }
            guard RAND_bytes(direct, Int32(count)) == 1 else { throw failure() }
            return body(UnsafeBufferPointer(start: direct, count: count))
        }
        if pool.pointee.valid != Pool.marker || pool.pointee.used + count > poolBytes
            || (pool.pointee.owner != 0 && pool.pointee.owner != getpid()) {
            try refill(pool)
        }
        let start = pool.bytes + pool.pointee.used
        pool.pointee.used += count
        defer { wipe(start, count) }
        return body(UnsafeBufferPointer(start: start, count: count))
    }

    /// The header at the start of a pool's mapping; the bytes follow it.
    fileprivate struct Pool {
        /// Anything but `marker` (a child's zeroed copy) means: refill before use.
        static let marker: UInt64 = 0x706B_6365_706F_6F6C
        var valid: UInt64
        var used: Int
        /// The process that filled the pool, when MADV_WIPEONFORK was refused; 0 otherwise.
        var owner: pid_t
    }

    fileprivate static let headerBytes = 64
    fileprivate static let mappingBytes = headerBytes + poolBytes

    /// This thread's pool, or nil when none could be had (then every draw
    /// goes straight to RAND_bytes).
    private static func currentPool() -> UnsafeMutablePointer<Pool>? {
        guard let key = poolKey else { return nil }
        if let existing = pthread_getspecific(key) {
            return existing.assumingMemoryBound(to: Pool.self)
        }
        let mapping = mmap(nil, mappingBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let mapping, mapping != MAP_FAILED else { return nil }
        let wipedOnFork = madvise(mapping, mappingBytes, MADV_WIPEONFORK) == 0
        // `valid == 0` makes the first draw fill it.
        let pool = mapping.bindMemory(to: Pool.self, capacity: 1)
        pool.initialize(to: Pool(valid: 0, used: poolBytes, owner: wipedOnFork ? 0 : getpid()))
        guard pthread_setspecific(key, pool) == 0 else {
            releasePool(pool)
            return nil
        }
        return pool
    }

    /// Why RAND_bytes failed: OpenSSL running out of memory is reported as such.
    private static func failure() -> PKCEError {
        PKCEError(lpk_errors_include_out_of_memory() != 0 ? .outOfMemory : .random)
    }

    /// Bytes already handed out were wiped then; the rest is overwritten here.
    private static func refill(_ pool: UnsafeMutablePointer<Pool>) throws(PKCEError) {
        pool.pointee.valid = 0
        pool.pointee.used = poolBytes
        guard RAND_bytes(pool.bytes, Int32(poolBytes)) == 1 else { throw failure() }
        if pool.pointee.owner != 0 { pool.pointee.owner = getpid() }
        pool.pointee.used = 0
        pool.pointee.valid = Pool.marker
    }

    fileprivate static func releasePool(_ pool: UnsafeMutablePointer<Pool>) {
        wipe(pool, mappingBytes)
        munmap(pool, mappingBytes)
    }
}

private extension UnsafeMutablePointer where Pointee == SecureRandom.Pool {
    var bytes: UnsafeMutablePointer<UInt8> {
        (UnsafeMutableRawPointer(self) + SecureRandom.headerBytes).assumingMemoryBound(to: UInt8.self)
    }
}

/// Created once, on first use.
private let poolKey: pthread_key_t? = {
    var key = pthread_key_t()
    let created = pthread_key_create(&key) { raw in
        guard let raw else { return }
        SecureRandom.releasePool(raw.assumingMemoryBound(to: SecureRandom.Pool.self))
    }
    return created == 0 ? key : nil
}()
