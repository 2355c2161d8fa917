#if canImport(Glibc)
import Glibc
#endif
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// A growable byte buffer for building URLs and bodies that may hold
/// secrets: every buffer it lets go of is wiped first. When a buffer cannot
/// be grown the writer stops writing and `finish()` reports it, so that the
/// many appends that build a request need no error handling of their own.
package struct ByteWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    package private(set) var count = 0
    private var outOfMemory = false

    package init(capacity: Int = 256) throws(PKCEError) {
        self.capacity = max(capacity, 16)
        base = try secureAllocate(self.capacity)
    }

    deinit { release() }

    // Only the first `count` bytes were ever written, so only they need wiping.
    private func release() {
        wipe(base, count)
        free(base)
    }

    /// Whether `extra` more bytes fit (growing the buffer if needed).
    @inline(__always)
    private mutating func reserve(_ extra: Int) -> Bool {
        if count + extra + 1 > capacity { grow(count + extra + 1) }  // + the NUL that finish() appends
        return !outOfMemory
    }

    private mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        guard !outOfMemory, let grown = try? secureAllocate(newCapacity) else {
            outOfMemory = true
            return
        }
        grown.update(from: base, count: count)
        wipe(base, count)
        free(base)
        base = grown
        capacity = newCapacity
    }

    package mutating func append(_ byte: UInt8) {
        guard reserve(1) else { return }
        base[count] = byte
        count += 1
    }

    package mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty, reserve(bytes.count) else { return }
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    package mutating func append(_ string: String) {
        var string = string
        string.withUTF8 { append($0) }
    }

    package mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends `value` in decimal digits (a JSON number), without making a String.
    package mutating func appendDecimal(_ value: Int64) {
        guard reserve(20) else { return }  // "-9223372036854775808"
        if value < 0 { base[count] = UInt8(ascii: "-"); count += 1 }
        var magnitude = value.magnitude, digits = 0
        repeat { digits += 1; magnitude /= 10 } while magnitude > 0
        magnitude = value.magnitude
        for i in stride(from: digits - 1, through: 0, by: -1) {
            base[count + i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        }
        count += digits
    }

    /// Appends `bytes` in base64url without padding.
    package mutating func appendBase64URL(_ bytes: UnsafeBufferPointer<UInt8>) {
        let length = Base64URL.encodedLength(bytes.count)
        guard reserve(length) else { return }
        Base64URL.encode(bytes, into: base + count)
        count += length
    }

    /// Appends `bytes` percent-encoded: every byte `encoding` does not keep becomes %XX.
    mutating func appendEncoded(_ bytes: UnsafeBufferPointer<UInt8>, _ encoding: PercentEncoding) {
        guard reserve(bytes.count * 3), let source = bytes.baseAddress else { return }
        let (low, high) = encoding.keptBits
        let spaceAsPlus = encoding == .form
        var out = base + count
        var i = 0
        while i < bytes.count {
            // A code, a verifier, a client id are long runs of kept bytes.
            let block = min(bytes.count - i, 16)
            let run = Self.keptRun(source + i, block, encoding, into: out)
            i += run
            out += run
            guard run < block else { continue }
            let byte = source[i]
            i += 1
            if PercentEncoding.keeps(byte, low, high) {
                out.pointee = byte
                out += 1
            } else if spaceAsPlus && byte == 0x20 {
                out.pointee = UInt8(ascii: "+")
                out += 1
            } else {
                out[0] = UInt8(ascii: "%")
                out[1] = Hex.upper[Int(byte >> 4)]
                out[2] = Hex.upper[Int(byte & 0x0F)]
                out += 3
            }
        }
        count = out - base
    }

    /// How many of the `length` (at most 16) bytes from `source` `encoding`
    /// keeps before one it does not, copied to `out`: one SSE2 test for all
    /// of them on x86-64, where the byte loop was a tenth of building an
    /// exchange. Elsewhere 0, and the byte loop does it all.
    @inline(__always)
    private static func keptRun(_ source: UnsafePointer<UInt8>, _ length: Int, _ encoding: PercentEncoding,
                                into out: UnsafeMutablePointer<UInt8>) -> Int {
        #if arch(x86_64)
        // Unsigned range checks: x - low, wrapped, is within the span when min(it, span) is itself.
        func inRange(_ x: __m128i, _ low: UInt8, _ span: UInt8) -> __m128i {
            let t = _mm_sub_epi8(x, _mm_set1_epi8(CChar(bitPattern: low)))
            return _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(CChar(bitPattern: span))), t)
        }
        func equal(_ x: __m128i, _ byte: UInt8) -> __m128i { _mm_cmpeq_epi8(x, _mm_set1_epi8(CChar(bitPattern: byte))) }
        var x: __m128i
        if length == 16 {
            x = _mm_loadu_si128(UnsafeRawPointer(source).assumingMemoryBound(to: __m128i.self))
        } else {
            x = _mm_setzero_si128()  // a NUL is never kept, so the run stops within the bytes
            withUnsafeMutableBytes(of: &x) { $0.baseAddress!.copyMemory(from: source, byteCount: length) }
        }
        // x | 0x20 in a-z is exactly A-Z and a-z.
        let letters = inRange(_mm_or_si128(x, _mm_set1_epi8(0x20)), UInt8(ascii: "a"), 25)
        let digits = inRange(x, UInt8(ascii: "0"), 9)
        let marks = _mm_or_si128(_mm_or_si128(equal(x, UInt8(ascii: "-")), equal(x, UInt8(ascii: "."))),
                                 _mm_or_si128(equal(x, UInt8(ascii: "_")),
                                              equal(x, encoding == .form ? UInt8(ascii: "*") : UInt8(ascii: "~"))))
        let kept = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(letters, digits), marks))
        let run = min((~kept).trailingZeroBitCount, length)
        if length == 16 {
            // Room for three bytes a byte was reserved: the whole block fits wherever the run ends.
            _mm_storeu_si128(UnsafeMutableRawPointer(out).assumingMemoryBound(to: __m128i.self), x)
        } else {
            withUnsafeBytes(of: &x) { out.update(from: $0.baseAddress!.assumingMemoryBound(to: UInt8.self), count: run) }
        }
        return run
        #else
        return 0
        #endif
    }

    /// A JSON string (RFC 8259 7): quoted, with quote, backslash and
    /// control characters escaped; other bytes as they are (valid UTF-8 in,
    /// valid JSON out).
    package mutating func appendJSONString(_ value: UnsafeBufferPointer<UInt8>) {
        append(UInt8(ascii: "\""))
        for byte in value {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                append(UInt8(ascii: "\\"))
                append(byte)
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case ..<0x20:
                append("\\u00")
                append(Hex.lower[Int(byte >> 4)])
                append(Hex.lower[Int(byte & 0x0F)])
            default:
                append(byte)
            }
        }
        append(UInt8(ascii: "\""))
    }

    package mutating func appendJSONString(_ value: String) {
        var value = value
        value.withUTF8 { appendJSONString($0) }
    }

    mutating func appendEncoded(_ string: String, _ encoding: PercentEncoding) {
        var string = string
        string.withUTF8 { appendEncoded($0, encoding) }
    }

    /// Hands the bytes over without a copy; the writer's buffer becomes the result's.
    package consuming func finish() throws(PKCEError) -> SecureBytes {
        guard !outOfMemory else {
            release()
            discard self
            throw PKCEError(.outOfMemory)
        }
        let result = SecureBytes(adopting: base, count: count)
        discard self  // the buffer now belongs to `result`, which wipes it
        return result
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Byte equality with memcmp, for what is no secret (member names, URLs):
    /// the generic `elementsEqual` was most of a JSON member lookup.
    package func sameBytes(as other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard count == other.count else { return false }
        guard let a = baseAddress, let b = other.baseAddress else { return true }
        return memcmp(a, b, count) == 0
    }

    /// Whether the bytes begin with `lowercase` (ASCII), in any case: URL
    /// schemes and header names, compared without making Strings.
    package func hasPrefix(ignoringASCIICase lowercase: StaticString) -> Bool {
        let prefix = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        return count >= prefix.count && zip(self, prefix).allSatisfy { $0.asciiLowercased == $1 }
    }

    /// Whether the bytes are `lowercase` (ASCII) in any case: header names.
    package func sameBytes(ignoringASCIICase lowercase: StaticString) -> Bool {
        count == lowercase.utf8CodeUnitCount && hasPrefix(ignoringASCIICase: lowercase)
    }
}

extension UInt8 {
    /// A-Z as a-z; every other byte as it is.
    package var asciiLowercased: UInt8 { self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z") ? self | 0x20 : self }
}
