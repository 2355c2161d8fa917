/// Base64url without padding (RFC 4648 section 5, RFC 7636 Appendix A).
enum Base64URL {
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
}
