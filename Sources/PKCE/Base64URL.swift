/// Base64url without padding (RFC 4648 section 5, RFC 7636 Appendix A).
package enum Base64URL {
    static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    static func encodedLength(_ byteCount: Int) -> Int { (byteCount * 4 + 2) / 3 }

    /// Writes encodedLength(input.count) characters to `out`. The indices
    /// stay below the input's count and its encoded length, so the hot loop
    /// uses wrapping arithmetic: no overflow checks (a fifth of its
    /// instructions, and of every S256 challenge's encoding).
    static func encode(_ input: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) {
        let table = alphabet.utf8Start
        var o = 0
        var i = 0
        let n = input.count
        while i &+ 3 <= n {
            let v = UInt32(input[i]) << 16 | UInt32(input[i &+ 1]) << 8 | UInt32(input[i &+ 2])
            out[o] = table[Int(v >> 18)]
            out[o &+ 1] = table[Int(v >> 12 & 63)]
            out[o &+ 2] = table[Int(v >> 6 & 63)]
            out[o &+ 3] = table[Int(v & 63)]
            i &+= 3
            o &+= 4
        }
        switch n - i {
        case 2:
            let v = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
            out[o] = table[Int(v >> 18)]
            out[o + 1] = table[Int(v >> 12 & 63)]
            out[o + 2] = table[Int(v >> 6 & 63)]
        case 1:
            let v = UInt32(input[i]) << 16
            out[o] = table[Int(v >> 18)]
            out[o + 1] = table[Int(v >> 12 & 63)]
        default:
            break
        }
    }

    /// `bytes` encoded, in memory that is wiped on release.
    package static func encoded(_ bytes: UnsafeBufferPointer<UInt8>) throws(PKCEError) -> SecureBytes {
        let length = encodedLength(bytes.count)
        let out = try secureAllocate(length + 1)
        let result = SecureBytes(adopting: out, count: length)
        encode(bytes, into: out)
        return result
    }

    /// Decodes base64url without padding, strictly: only the 64 characters,
    /// no `=`, no white space, and no leftover bits set (so each byte string
    /// has exactly one encoding). Nil when the input is not such text.
    package static func decode(_ text: UnsafeBufferPointer<UInt8>) throws(PKCEError) -> SecureBytes? {
        let n = text.count
        guard n % 4 != 1 else { return nil }
        let length = n / 4 * 3 + max(n % 4 - 1, 0)
        let out = try secureAllocate(length + 1)
        let result = SecureBytes(adopting: out, count: length)  // wipes `out` whatever happens next
        return sextets.withUnsafeBufferPointer { table in decode(text, into: out, table: table) } ? result : nil
    }

    private static func decode(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>,
                               table: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = text.count
        var i = 0, o = 0
        while i + 4 <= n {
            let a = table[Int(text[i])], b = table[Int(text[i + 1])], c = table[Int(text[i + 2])], d = table[Int(text[i + 3])]
            guard a | b | c | d < 64 else { return false }
            let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
            out[o] = UInt8(truncatingIfNeeded: v >> 16)
            out[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
            out[o + 2] = UInt8(truncatingIfNeeded: v)
            i += 4
            o += 3
        }
        switch n - i {
        case 3:
            let a = table[Int(text[i])], b = table[Int(text[i + 1])], c = table[Int(text[i + 2])]
            guard a | b | c < 64, c & 0x03 == 0 else { return false }
            out[o] = a << 2 | b >> 4
            out[o + 1] = b << 4 | c >> 2
        case 2:
            let a = table[Int(text[i])], b = table[Int(text[i + 1])]
            guard a | b < 64, b & 0x0F == 0 else { return false }
            out[o] = a << 2 | b >> 4
        default:
            break
        }
        return true
    }

    /// The value of each byte as a base64url character; 0xFF for any other byte.
    private static let sextets: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in UnsafeBufferPointer(start: alphabet.utf8Start, count: 64).enumerated() {
            table[Int(character)] = UInt8(value)
        }
        return table
    }()
}
