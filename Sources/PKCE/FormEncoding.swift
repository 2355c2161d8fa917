/// Parsing application/x-www-form-urlencoded, as redirect queries carry it
/// (WHATWG URL "urlencoded" parser). Writing is `ByteWriter.appendEncoded`.
enum FormEncoding {
    struct Pair {
        let name: String
        let value: SecureBytes
    }

    /// Splits a query on '&' and decodes each `name=value`. Empty pieces are
    /// skipped. Bad percent-encoding, a result that is not UTF-8, or a decoded
    /// control character (NUL, CR, LF, ... DEL) throws `malformed()`: NUL
    /// cannot be handed to C intact, and CR/LF from an attacker's redirect
    /// would reach an application's logs (RFC 6749 allows none of them).
    /// Values of the names `controlAllowed` accepts may hold control
    /// characters; their reader makes them fit for display.
    static func parse(_ query: UnsafeBufferPointer<UInt8>, controlAllowed: (String) -> Bool = { _ in false },
                      malformed: () -> PKCEError) throws(PKCEError) -> [Pair] {
        var pairs: [Pair] = []
        for piece in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let eq = piece.firstIndex(of: UInt8(ascii: "="))
            guard let name = try decode(piece[..<(eq ?? piece.endIndex)]).flatMap({ valid($0) ? $0.string : nil }),
                  let value = try decode(eq.map { piece[($0 + 1)...] } ?? piece[piece.endIndex...]),
                  valid(value, control: controlAllowed(name))
            else { throw malformed() }
            pairs.append(Pair(name: name, value: value))
        }
        return pairs
    }

    private static func valid(_ bytes: SecureBytes, control: Bool = false) -> Bool {
        (control || !bytes.buffer.contains { $0 < 0x20 || $0 == 0x7F }) && UTF8Validation.isValid(bytes.buffer)
    }

    private static func decode(_ encoded: Slice<UnsafeBufferPointer<UInt8>>) throws(PKCEError) -> SecureBytes? {
        var writer = try ByteWriter(capacity: encoded.count)
        var i = encoded.startIndex
        while i != encoded.endIndex {
            let byte = encoded[i]
            if byte == UInt8(ascii: "%") {
                guard i + 2 < encoded.endIndex, let hi = Hex.value(encoded[i + 1]), let lo = Hex.value(encoded[i + 2])
                else { return nil }
                writer.append(hi << 4 | lo)
                i += 3
                continue
            }
            writer.append(byte == UInt8(ascii: "+") ? 0x20 : byte)
            i += 1
        }
        return try writer.finish()
    }
}
