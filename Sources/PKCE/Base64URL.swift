/// Base64url without padding (RFC 4648 section 5, RFC 7636 Appendix A).
package enum Base64URL {
    static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    static func encodedLength(_ byteCount: Int) -> Int { (byteCount * 4 + 2) / 3 }

    /// Writes encodedLength(input.count) characters to `out`.
    static func encode(_ input: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) {
        let table = alphabet.utf8Start
        var o = 0
        var i = 0
        let n = input.count
        while i + 3 <= n {
            let v = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
            out[o] = table[Int(v >> 18)]
            out[o + 1] = table[Int(v >> 12 & 63)]
            out[o + 2] = table[Int(v >> 6 & 63)]
            out[o + 3] = table[Int(v & 63)]
            i += 3
            o += 4
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
    package static func encoded(_ bytes: UnsafeBufferPointer<UInt8>) -> SecureBytes {
        let length = encodedLength(bytes.count)
        let out = secureAllocate(length + 1)
        let result = SecureBytes(adopting: out, count: length)
        encode(bytes, into: out)
        return result
    }

    /// Decodes base64url without padding, strictly: only the 64 characters,
    /// no `=`, no white space, and no leftover bits set (so each byte string
    /// has exactly one encoding). Nil when the input is not such text.
    package static func decode(_ text: UnsafeBufferPointer<UInt8>) -> SecureBytes? {
        guard text.count % 4 != 1 else { return nil }
        var writer = ByteWriter(capacity: text.count * 3 / 4 + 1)
        var accumulator: UInt32 = 0, bits = 0
        for character in text {
            guard let value = sextet(character) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                writer.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        guard accumulator == 0 else { return nil }
        return writer.finish()
    }

    private static func sextet(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
