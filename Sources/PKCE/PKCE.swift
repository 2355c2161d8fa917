import COpenSSL
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// How the code challenge is derived from the verifier (RFC 7636 4.2).
/// The raw values are pkce_method's in the C header.
public enum ChallengeMethod: Int32, Sendable {
    /// BASE64URL(SHA-256(verifier)) without padding. The one to use.
    case s256 = 0
    /// The verifier itself. Only for a server that cannot do S256, and only when asked for by name.
    case plain = 1

    public var name: String { self == .s256 ? "S256" : "plain" }
}

/// The PKCE primitives of RFC 7636, on caller-provided memory so that the C
/// layer can use them without a copy.
public enum PKCE {
    public static let verifierLengths = 43...128
    public static let randomStringLengths = 22...128
    public static let s256ChallengeLength = 43

    /// `length` uniformly random characters of the base64url alphabet into
    /// `out`: each comes from the low 6 bits of one CSPRNG byte, and 64
    /// divides 256, so there is no modulo bias.
    static func writeRandomCharacters(_ length: Int, into out: UnsafeMutablePointer<UInt8>) throws(PKCEError) {
        try SecureRandom.withBytes(length) { random in
            let table = Base64URL.alphabet.utf8Start
            for i in 0..<length { out[i] = table[Int(random[i] & 63)] }
        }
    }

    /// Throws unless the bytes are 43..128 characters of [A-Za-z0-9-._~]
    /// (RFC 7636 4.1: RFC 3986's unreserved characters). A test per byte was
    /// a quarter of a challenge's time: on x86-64 sixteen bytes are tested at
    /// once with SSE2 (the last sixteen overlapping those before), elsewhere
    /// a table lookup per byte and one test at the end.
    public static func checkVerifier(_ verifier: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        guard verifierLengths.contains(verifier.count), let base = verifier.baseAddress else {
            throw PKCEError(.verifierLength)
        }
        #if arch(x86_64)
        let last = verifier.count - 16
        var offset = 0
        while true {
            let block = _mm_loadu_si128(UnsafeRawPointer(base + min(offset, last)).assumingMemoryBound(to: __m128i.self))
            guard allUnreserved(block) else { throw PKCEError(.verifierCharset) }
            if offset >= last { return }
            offset += 16
        }
        #else
        let refusedASCII = verifierTable.utf8Start
        var refused: UInt8 = 0
        for byte in verifier { refused |= refusedASCII[Int(byte & 0x7F)] & 1 | byte & 0x80 }
        guard refused == 0 else { throw PKCEError(.verifierCharset) }
        #endif
    }

    #if arch(x86_64)
    /// Whether all sixteen bytes are unreserved characters.
    @inline(__always)
    private static func allUnreserved(_ x: __m128i) -> Bool {
        // Bytes in low..<low+count: moved so that the range starts at -128, then
        // one signed compare (SSE2 has no unsigned one); all others land above.
        func within(_ bytes: __m128i, _ low: UInt8, _ count: Int8) -> __m128i {
            _mm_cmplt_epi8(_mm_add_epi8(bytes, _mm_set1_epi8(Int8(bitPattern: 0x80 &- low))), _mm_set1_epi8(Int8.min &+ count))
        }
        let digit = within(x, UInt8(ascii: "0"), 10)
        let letter = within(_mm_or_si128(x, _mm_set1_epi8(0x20)), UInt8(ascii: "a"), 26)  // | 0x20: upper to lower case
        let mark = _mm_or_si128(within(x, UInt8(ascii: "-"), 2),  // - and .
                                _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(0x5F)), _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7E))))
        return _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(digit, letter), mark)) == 0xFFFF
    }
    #else
    /// For each ASCII byte, "1" when a verifier may not hold it, "0" when it may.
    private static let verifierTable: StaticString = """
        1111111111111111111111111111111111111111111110010000000000111111\
        1000000000000000000000000001111010000000000000000000000000011101
        """
    #endif

    /// Checks `verifier` as `checkVerifier` does and writes its S256
    /// challenge, 43 bytes, into `out`; nothing is written when the verifier
    /// is refused. On x86-64 the check looks at the same 16-byte loads the
    /// hash pads the verifier from (`SHA256.hashShort`). The digest is not
    /// wiped: it is the challenge, which is public.
    package static func writeS256Challenge(of verifier: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) throws(PKCEError) {
        guard verifierLengths.contains(verifier.count) else { throw PKCEError(.verifierLength) }
        var digest = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))  // 32 bytes on the stack
        try withUnsafeMutableBytes(of: &digest) { raw throws(PKCEError) in
            let bytes = raw.bindMemory(to: UInt8.self)
            #if arch(x86_64)
            guard SHA256.hashShort(verifier, into: bytes.baseAddress!, inspecting: allUnreserved) else {
                throw PKCEError(.verifierCharset)
            }
            #else
            try checkVerifier(verifier)
            SHA256.hash(verifier, into: bytes)
            #endif
            Base64URL.encode(UnsafeBufferPointer(bytes), into: out)
        }
    }

    /// A fresh verifier of `length` characters.
    public static func generateVerifier(length: Int = 43) throws(PKCEError) -> SecureBytes {
        guard verifierLengths.contains(length) else { throw PKCEError(.verifierLength) }
        return try randomCharacters(length)
    }

    /// `length` random characters in memory that is wiped on release.
    static func randomCharacters(_ length: Int) throws(PKCEError) -> SecureBytes {
        let out = try secureAllocate(length + 1)
        let result = SecureBytes(adopting: out, count: length)  // wipes `out` even if the next line throws
        try writeRandomCharacters(length, into: out)
        return result
    }

    // The write* functions below fill a C caller's buffer (`out` of
    // `capacity` bytes, result and NUL) and check their arguments in the
    // order the header documents for them; nothing is written on failure.

    /// The challenge of `verifier` by `method` (nil: a method value that does
    /// not exist). Checked in this order: the verifier, `out`, the method, the room.
    package static func writeChallenge(of verifier: UnsafeBufferPointer<UInt8>, method: ChallengeMethod?,
                                       into out: UnsafeMutablePointer<UInt8>?, capacity: Int) throws(PKCEError) {
        let length = method == .plain ? verifier.count : s256ChallengeLength
        guard let out, let method, length < capacity else {
            try checkVerifier(verifier)  // its faults come first
            guard out != nil else { throw PKCEError(.invalidArgument) }
            guard method != nil else { throw PKCEError(.methodUnsupported) }
            throw PKCEError(.bufferTooSmall)
        }
        switch method {
        case .s256: try writeS256Challenge(of: verifier, into: out)  // checks the verifier as it reads it
        case .plain:
            try checkVerifier(verifier)
            if let source = verifier.baseAddress { out.update(from: source, count: length) }
        }
        out[length] = 0
    }

    /// The challenge for `verifier`, which is checked first.
    public static func challenge(for verifier: UnsafeBufferPointer<UInt8>, method: ChallengeMethod = .s256) throws(PKCEError) -> String {
        var failure: PKCEError?
        let result = String(unsafeUninitializedCapacity: max(verifier.count, s256ChallengeLength) + 1) { out in
            do throws(PKCEError) {
                try writeChallenge(of: verifier, method: method, into: out.baseAddress, capacity: out.count)
            } catch { failure = error; return 0 }
            return method == .s256 ? s256ChallengeLength : verifier.count
        }
        if let failure { throw failure }
        return result
    }

    public static func challenge(for verifier: String, method: ChallengeMethod = .s256) throws(PKCEError) -> String {
        try SecureBytes(verifier).withBytes { bytes throws(PKCEError) in try challenge(for: bytes, method: method) }
    }

    /// `length` random base64url characters: the length (against `lengths`,
    /// else `lengthError`), then `out`, then the room.
    package static func writeRandomString(length: Int, lengths: ClosedRange<Int>, lengthError: PKCEError.Code,
                                          into out: UnsafeMutablePointer<UInt8>?, capacity: Int) throws(PKCEError) {
        guard lengths.contains(length) else { throw PKCEError(lengthError) }
        guard let out else { throw PKCEError(.invalidArgument) }
        try checkRoom(length, capacity)
        try writeRandomCharacters(length, into: out)
        out[length] = 0
    }

    /// A fresh verifier of `length` characters and its S256 challenge: the
    /// length, then both buffers, then the room in both.
    package static func writePair(length: Int, verifier: UnsafeMutablePointer<UInt8>?, verifierCapacity: Int,
                                  challenge: UnsafeMutablePointer<UInt8>?, challengeCapacity: Int) throws(PKCEError) {
        guard verifierLengths.contains(length) else { throw PKCEError(.verifierLength) }
        guard let verifier, let challenge else { throw PKCEError(.invalidArgument) }
        try checkRoom(length, verifierCapacity)
        try checkRoom(s256ChallengeLength, challengeCapacity)
        try writeRandomCharacters(length, into: verifier)
        verifier[length] = 0
        try writeS256Challenge(of: UnsafeBufferPointer(start: verifier, count: length), into: challenge)
        challenge[s256ChallengeLength] = 0
    }

    /// Whether `capacity` bytes hold `length` bytes and a NUL.
    private static func checkRoom(_ length: Int, _ capacity: Int) throws(PKCEError) {
        guard length < capacity else { throw PKCEError(.bufferTooSmall) }
    }

    /// An unguessable base64url string for `state` or `nonce`: 43 characters carry 258 bits.
    public static func randomString(length: Int = 43) throws(PKCEError) -> String {
        guard randomStringLengths.contains(length) else { throw PKCEError(.length) }
        var failure: PKCEError?
        let result = String(unsafeUninitializedCapacity: length) { out in
            guard let out = out.baseAddress else { return 0 }
            do throws(PKCEError) { try writeRandomCharacters(length, into: out) } catch { failure = error; return 0 }
            return length
        }
        if let failure { throw failure }
        return result
    }

    /// Equality in time that depends only on the lengths, not on where the bytes differ.
    public static func constantTimeEquals(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return true }  // both empty
        return CRYPTO_memcmp(pa, pb, a.count) == 0
    }

    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { pa in b.withUTF8 { pb in constantTimeEquals(pa, pb) } }
    }
}
