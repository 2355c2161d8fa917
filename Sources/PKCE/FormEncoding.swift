/// Parsing application/x-www-form-urlencoded, as redirect queries carry it
/// (WHATWG URL "urlencoded" parser). Writing is `ByteWriter.appendEncoded`.
enum FormEncoding {
    struct Pair {
        let name: String
        let value: SecureBytes
    }

    /// Splits a query on '&' and decodes each `name=value`. Empty pieces are
    /// skipped. Bad percent-encoding, a decoded NUL or a result that is not
    /// UTF-8 throws `malformed()`: such a value cannot be handed to C intact.
    static func parse(_ query: Substring.UTF8View, malformed: () -> PKCEError) throws(PKCEError) -> [Pair] {
        var pairs: [Pair] = []
        for piece in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let eq = piece.firstIndex(of: UInt8(ascii: "="))
            guard let name = decode(piece[..<(eq ?? piece.endIndex)]).flatMap({ valid($0) ? $0.string : nil }),
                  let value = decode(eq.map { piece[piece.index(after: $0)...] } ?? piece[piece.endIndex...]),
                  valid(value)
            else { throw malformed() }
            pairs.append(Pair(name: name, value: value))
        }
        return pairs
    }

    private static func valid(_ bytes: SecureBytes) -> Bool { !bytes.containsNUL && UTF8Validation.isValid(bytes.buffer) }

    private static func decode(_ encoded: Substring.UTF8View.SubSequence) -> SecureBytes? {
        var writer = ByteWriter(capacity: encoded.count)
        var i = encoded.startIndex
        while i != encoded.endIndex {
            let byte = encoded[i]
            if byte == UInt8(ascii: "%") {
                let h = encoded.index(after: i)
                guard h != encoded.endIndex, encoded.index(after: h) != encoded.endIndex,
                      let hi = hexValue(encoded[h]), let lo = hexValue(encoded[encoded.index(after: h)])
                else { return nil }
                writer.append(hi << 4 | lo)
                i = encoded.index(h, offsetBy: 2)
                continue
            }
            writer.append(byte == UInt8(ascii: "+") ? 0x20 : byte)
            i = encoded.index(after: i)
        }
        return writer.finish()
    }
}

/// The value of one hexadecimal digit, either case.
func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}

/// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF.
enum UTF8Validation {
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 { i += 1; continue }
            let length: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            guard i + length <= n else { return false }
            guard bytes[i + 1] >= lower && bytes[i + 1] <= upper else { return false }
            for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
    }
}
