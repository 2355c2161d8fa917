/// RFC 6901 JSON Pointers into a parsed document: `/user/email`,
/// `/organizations/0/id`, `""` for the whole document. What a C program
/// needs to read nested members (WorkOS's `user`) without a JSON parser of
/// its own.
extension JSONDocument {
    /// The node `pointer` names; nil when there is none. A pointer that is
    /// neither empty nor starts with "/", or has a "~" not followed by 0 or 1,
    /// is `.invalidArgument`.
    package func node(at pointer: String) throws(PKCEError) -> Int? {
        guard !pointer.isEmpty else { return root }
        guard pointer.utf8.first == UInt8(ascii: "/") else {
            throw PKCEError(.invalidArgument, "a JSON Pointer is empty or starts with '/' (RFC 6901)")
        }
        var node = root
        for raw in pointer.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            let token = try Self.unescaped(raw)
            switch nodes[node].kind {
            case .object:
                guard let value = member(token, of: node) else { return nil }
                node = value
            case .array:
                // RFC 6901 4: decimal digits, no leading zero; "-" (past the end) names nothing to read.
                guard let index = Int(token), String(index) == token, index >= 0 else { return nil }
                var elements = self.elements(of: node).dropFirst(index).makeIterator()
                guard let element = elements.next() else { return nil }
                node = element
            default:
                return nil
            }
        }
        return node
    }

    /// A reference token with ~1 and ~0 undone (in that order, RFC 6901 4).
    private static func unescaped(_ raw: Substring.UTF8View.SubSequence) throws(PKCEError) -> String {
        var bytes: [UInt8] = []
        var i = raw.startIndex
        while i != raw.endIndex {
            let byte = raw[i]
            i = raw.index(after: i)
            guard byte == UInt8(ascii: "~") else { bytes.append(byte); continue }
            guard i != raw.endIndex, raw[i] == UInt8(ascii: "0") || raw[i] == UInt8(ascii: "1") else {
                throw PKCEError(.invalidArgument, "a '~' in a JSON Pointer is not followed by 0 or 1 (RFC 6901 3)")
            }
            bytes.append(raw[i] == UInt8(ascii: "0") ? UInt8(ascii: "~") : UInt8(ascii: "/"))
            i = raw.index(after: i)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The string `pointer` names, unescaped; nil when absent or null.
    package func string(at pointer: String, httpStatus: Int) throws(PKCEError) -> SecureBytes? {
        guard let node = try node(at: pointer), nodes[node].kind != .null else { return nil }
        guard nodes[node].kind == .string else { throw Self.wrongType(pointer, "a string", httpStatus) }
        let value = try string(node)
        guard !value.containsNUL else { throw Self.wrongType(pointer, "a string without NUL characters", httpStatus) }
        return value
    }

    /// The integer `pointer` names (no fraction, no exponent, within 64 bits); nil when absent or null.
    package func integer(at pointer: String, httpStatus: Int) throws(PKCEError) -> Int64? {
        guard let node = try node(at: pointer), nodes[node].kind != .null else { return nil }
        guard nodes[node].kind == .number, let value = Int64(String(decoding: text(node), as: UTF8.self)) else {
            throw Self.wrongType(pointer, "an integer", httpStatus)
        }
        return value
    }

    /// The boolean `pointer` names; nil when absent or null.
    package func boolean(at pointer: String, httpStatus: Int) throws(PKCEError) -> Bool? {
        guard let node = try node(at: pointer), nodes[node].kind != .null else { return nil }
        switch nodes[node].kind {
        case .true: return true
        case .false: return false
        default: throw Self.wrongType(pointer, "true or false", httpStatus)
        }
    }

    private static func wrongType(_ pointer: String, _ what: String, _ httpStatus: Int) -> PKCEError {
        PKCEError(.responseInvalid, "\(PKCEError.printable(pointer)) is not \(what)", httpStatus: httpStatus)
    }
}
