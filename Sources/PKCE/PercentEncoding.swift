/// The two percent-encodings the library writes.
enum PercentEncoding {
    /// URL query values: RFC 3986 unreserved characters stay, all else is %XX.
    case query
    /// application/x-www-form-urlencoded (WHATWG): alphanumerics and `*-._`
    /// stay, a space becomes '+', all else is %XX.
    case form

    /// Whether `byte` stays as it is.
    func keeps(_ byte: UInt8) -> Bool {
        let (low, high) = keptBits
        return Self.keeps(byte, low, high)
    }

    /// The bytes that stay, one bit each: bytes 0-63 in the first word,
    /// 64-127 in the second. A shift and a test a byte, with the words held
    /// in registers across a value: the range checks they replace were a
    /// tenth of building an exchange.
    var keptBits: (UInt64, UInt64) {
        let low: UInt64 = 0x3FF << 48 | 1 << 45 | 1 << 46                 // 0-9 - .
        let high: UInt64 = 0x3FF_FFFF << 1 | 1 << 31 | 0x3FF_FFFF << 33   // A-Z _ a-z
        return self == .form ? (low | 1 << 42, high) : (low, high | 1 << 62)  // * for forms, ~ for queries
    }

    @inline(__always)
    static func keeps(_ byte: UInt8, _ low: UInt64, _ high: UInt64) -> Bool {
        let word = byte < 64 ? low : byte < 128 ? high : 0
        return word >> (byte & 63) & 1 != 0
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
