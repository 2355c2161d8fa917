/// The two percent-encodings the library writes.
enum PercentEncoding {
    /// URL query values: RFC 3986 unreserved characters stay, all else is %XX.
    case query
    /// application/x-www-form-urlencoded (WHATWG): alphanumerics and `*-._`
    /// stay, a space becomes '+', all else is %XX.
    case form

    @inline(__always)
    func keeps(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
            return true
        case UInt8(ascii: "~"): return self == .query
        case UInt8(ascii: "*"): return self == .form
        default: return false
        }
    }
}

/// Hexadecimal digits, both ways: percent-encoding (RFC 3986 asks for upper
/// case), JSON's \u escapes (written in lower case, as Python's json does,
/// so WorkOS bodies match the official SDK's byte for byte), and decoding.
enum Hex {
    static let upper: StaticString = "0123456789ABCDEF"
    static let lower: StaticString = "0123456789abcdef"

    /// The value of one hexadecimal digit, either case.
    static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The value of the four hexadecimal digits at `offset` (a JSON \uXXXX), or nil.
    static func value4(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt32? {
        guard offset >= 0, offset + 4 <= bytes.count else { return nil }
        var result: UInt32 = 0
        for k in 0..<4 {
            guard let digit = value(bytes[offset + k]) else { return nil }
            result = result << 4 | UInt32(digit)
        }
        return result
    }
}

extension StaticString {
    subscript(_ index: Int) -> UInt8 { utf8Start[index] }
}
