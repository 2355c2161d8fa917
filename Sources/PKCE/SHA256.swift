import COpenSSL
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// SHA-256 through OpenSSL's low-level calls, which go straight to the
/// CPU's SHA instructions (see Sources/COpenSSL/shim.h for why not EVP).
enum SHA256 {
    /// The raw digest (not hex) into `out`, which holds 32 bytes.
    ///
    /// The context is not wiped here: SHA256_Final cleanses the block that
    /// held the input itself, and what it leaves, the chaining state, is the
    /// digest (`SHA256Tests` checks that no input byte remains). Wiping it
    /// again cost a sixth of the time of hashing a verifier this way.
    static func hash(_ input: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) {
        // Uninitialised: SHA256_Init sets every field it reads.
        withUnsafeTemporaryAllocation(of: SHA256_CTX.self, capacity: 1) { context in
            SHA256_Init(context.baseAddress)
            SHA256_Update(context.baseAddress, input.baseAddress, input.count)
            SHA256_Final(out.baseAddress, context.baseAddress)
        }
    }
}

#if arch(x86_64)
extension SHA256 {
    /// The inputs `hashShort` takes: at least one 16-byte load, at most
    /// three blocks less the padding's nine bytes.
    static let shortInputs = 16...183

    /// The raw digest of `input` (in `shortInputs`) into `out` (32 bytes),
    /// after `inspect` has seen every input byte, sixteen at a time (the
    /// last sixteen overlapping those before). When `inspect` says no,
    /// nothing is hashed or written and the result is false.
    ///
    /// Why not SHA256_Update and _Final: they pad the message in the context
    /// with stores of 1, 4 and 8 bytes, and the SHA instructions then read it
    /// back 16 bytes at a time. A load that spans several pending stores
    /// cannot be served from the store buffer and waits for them to reach the
    /// cache: that wait was a third of hashing a verifier. Here each 16 bytes
    /// of the padded message (FIPS 180-4 5.1.1: the input, 0x80, zeros, the
    /// length in bits, big-endian, in the last 8 bytes) are put together in
    /// a register and stored whole, and SHA256_Transform compresses the
    /// blocks. The padded copy holds the input (a verifier is a secret) and
    /// is wiped; the context is only the chaining state, the public digest.
    @inline(__always)
    static func hashShort(_ input: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>,
                          inspecting inspect: (__m128i) -> Bool) -> Bool {
        let n = input.count
        guard shortInputs.contains(n), let base = UnsafeRawPointer(input.baseAddress) else { return false }
        let blocks = (n + 8) / 64 + 1, pieces = blocks * 4
        let whole = n / 16, rest = n % 16  // `whole` pieces are all input; the next starts with `rest` input bytes
        let tail = _mm_loadu_si128(base.advanced(by: n - 16).assumingMemoryBound(to: __m128i.self))
        guard inspect(tail) else { return false }
        let length = _mm_set_epi64x(Int64(bitPattern: UInt64(n &* 8).bigEndian), 0)
        return withUnsafeTemporaryAllocation(of: __m128i.self, capacity: 12) { padded in
            let piece = padded.baseAddress!
            for k in 0..<whole {
                let bytes = _mm_loadu_si128(base.advanced(by: k &* 16).assumingMemoryBound(to: __m128i.self))
                guard inspect(bytes) else {
                    wipe(piece, k &* 16)
                    return false
                }
                piece[k] = bytes
            }
            // The last `rest` input bytes, moved to the front, then 0x80.
            var end = _mm_or_si128(shiftRight(tail, bytes: 16 &- rest), marker(at: rest))
            if whole == pieces &- 1 { end = _mm_or_si128(end, length) }
            piece[whole] = end
            for k in (whole &+ 1)..<pieces { piece[k] = k == pieces &- 1 ? length : _mm_setzero_si128() }

            withUnsafeTemporaryAllocation(of: SHA256_CTX.self, capacity: 1) { context in
                let context = context.baseAddress!
                SHA256_Init(context)
                let message = UnsafeRawPointer(piece).assumingMemoryBound(to: UInt8.self)
                for b in 0..<blocks { SHA256_Transform(context, message + b &* 64) }
                wipe(piece, pieces &* 16)
                let state = UnsafeRawPointer(context) + MemoryLayout<SHA256_CTX>.offset(of: \.h)!
                for i in 0..<8 {
                    let word = state.load(fromByteOffset: i &* 4, as: UInt32.self)
                    UnsafeMutableRawPointer(out).storeBytes(of: word.bigEndian, toByteOffset: i &* 4, as: UInt32.self)
                }
            }
            return true
        }
    }

    /// `x` moved down by `bytes` (1...16), zeros coming in: SSE2's byte
    /// shift takes only a constant, so this goes through two 64-bit lanes.
    @inline(__always)
    private static func shiftRight(_ x: __m128i, bytes: Int) -> __m128i {
        let zero = _mm_setzero_si128()
        var x = x, bits = bytes &* 8
        if bits >= 64 { x = _mm_unpackhi_epi64(x, zero); bits &-= 64 }
        let down = _mm_srl_epi64(x, _mm_cvtsi64_si128(Int64(bits)))
        let carried = _mm_sll_epi64(_mm_unpackhi_epi64(x, zero), _mm_cvtsi64_si128(Int64(64 &- bits)))
        return _mm_or_si128(down, carried)
    }

    /// 0x80 at byte `position` (0...15), zeros elsewhere.
    @inline(__always)
    private static func marker(at position: Int) -> __m128i {
        let bit = UInt64(0x80) &<< UInt64(position % 8 &* 8)
        return position < 8 ? _mm_set_epi64x(0, Int64(bitPattern: bit)) : _mm_set_epi64x(Int64(bitPattern: bit), 0)
    }
}
#endif
