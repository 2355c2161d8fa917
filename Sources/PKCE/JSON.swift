#if canImport(Glibc)
import Glibc
#endif
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// A strict RFC 8259 JSON parser that copies nothing: nodes hold byte
/// ranges into the caller's buffer, so a token response is stored once, in
/// memory that is wiped on release, and decoded strings go to fresh
/// `SecureBytes` only when asked for.
///
/// Refused as malformed: invalid UTF-8, unescaped control characters, lone
/// surrogate escapes, duplicate keys in an object (ambiguous: parsers
/// disagree on which wins), nesting deeper than `maxDepth`, trailing bytes.
package struct JSONDocument {
    package enum Kind: UInt8 { case object, array, string, number, `true`, `false`, null }

    package struct Node {
        package var kind: Kind
        /// Token range in the buffer; a string's includes its quotes.
        package var start: Int
        package var end: Int
        /// Index of the node after this one's subtree.
        package var next: Int
        package var escaped: Bool
    }

    package struct Malformed: Error {
        package let reason: String
    }

    package static let maxDepth = 64

    package let bytes: UnsafeBufferPointer<UInt8>
    package private(set) var nodes: [Node] = []

    package init(parsing bytes: UnsafeBufferPointer<UInt8>) throws(Malformed) {
        self.bytes = bytes
        guard UTF8Validation.isValid(bytes) else { throw Malformed(reason: "body is not UTF-8") }
        // About a node per 6 bytes in OAuth answers: one allocation where
        // doubling from empty made five for a token response.
        nodes.reserveCapacity(min(bytes.count / 6 + 1, 4096))
        var position = 0
        try parseValue(&position, depth: 0)
        skipWhitespace(&position)
        guard position == bytes.count else { throw Malformed(reason: "trailing bytes after the JSON value at offset \(position)") }
    }

    // MARK: reading

    package var root: Int { 0 }

    /// The value node of member `name` of the object at `object`, if any.
    package func member(_ name: String, of object: Int = 0) -> Int? {
        var name = name
        return name.withUTF8 { name in firstMember(of: object) { key, _ in key.sameBytes(as: name) } }
    }

    /// Calls `visit` with the name and value node of each member of the
    /// object at `object`, in order: one pass over the keys, for a reader of
    /// many fields (a lookup per field visits every key again).
    package func forEachMember(of object: Int = 0, _ visit: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        _ = firstMember(of: object) { name, value in
            visit(name, value)
            return false
        }
    }

    /// The value node of the first member of the object at `object` whose
    /// name (unescaped) `matches`.
    private func firstMember(of object: Int, where matches: (UnsafeBufferPointer<UInt8>, Int) -> Bool) -> Int? {
        guard nodes[object].kind == .object, let text = bytes.baseAddress else { return nil }
        return firstKey(of: object, before: nodes[object].next) { nodes, key in
            let node = nodes[key]
            guard node.escaped else {
                return matches(UnsafeBufferPointer(start: text + node.start + 1, count: node.end - node.start - 2), key + 1)
            }
            var name = plainString(key)
            return name.withUTF8 { matches($0, key + 1) }
        }.map { $0 + 1 }
    }

    /// The first key node of the object at `object`, before node `limit`,
    /// that `matches`: the one walk over an object's keys, for member
    /// lookups and the duplicate-key check alike. Over the nodes' memory as
    /// it is: checked subscripts and slices were most of a token answer's
    /// lookups.
    private func firstKey(of object: Int, before limit: Int,
                          where matches: (UnsafeBufferPointer<Node>, Int) -> Bool) -> Int? {
        nodes.withUnsafeBufferPointer { nodes in
            var key = object + 1
            while key < limit {
                if matches(nodes, key) { return key }
                key = nodes[key + 1].next  // key, value, key, ...: the next key follows the value's subtree
            }
            return nil
        }
    }

    /// The unescaped contents of the string node at `index`, in wiped memory.
    package func string(_ index: Int) throws(PKCEError) -> SecureBytes {
        let content = contents(index)
        guard nodes[index].escaped else { return try SecureBytes(content) }
        var writer = try ByteWriter(capacity: content.count)
        unescape(content) { writer.append($0) }
        return try writer.finish()
    }

    /// The unescaped contents of the string node at `index` as a Swift string,
    /// for what is not a secret (member names, audiences, method lists): it
    /// cannot fail for want of memory, as the Swift runtime aborts instead.
    package func plainString(_ index: Int) -> String {
        let content = contents(index)
        guard nodes[index].escaped else { return String(decoding: content, as: UTF8.self) }
        var bytes: [UInt8] = []
        unescape(content) { bytes.append($0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func contents(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[(nodes[index].start + 1)..<(nodes[index].end - 1)])
    }

    /// Hands out the bytes of escaped string contents (validated while parsing), unescaped, in order.
    private func unescape(_ content: UnsafeBufferPointer<UInt8>, _ emit: (UInt8) -> Void) {
        var i = 0
        while i < content.count {
            let byte = content[i]
            guard byte == UInt8(ascii: "\\") else { emit(byte); i += 1; continue }
            let escape = content[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "b"): emit(0x08)
            case UInt8(ascii: "f"): emit(0x0C)
            case UInt8(ascii: "n"): emit(0x0A)
            case UInt8(ascii: "r"): emit(0x0D)
            case UInt8(ascii: "t"): emit(0x09)
            case UInt8(ascii: "u"):
                // Validated while parsing: four digits, and a low surrogate after a high one.
                var scalar = Hex.value4(content, at: i) ?? 0
                i += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + ((Hex.value4(content, at: i + 2) ?? 0xDC00) - 0xDC00)
                    i += 6
                }
                Self.emitUTF8(scalar, emit)
            default: emit(escape)  // " \ /
            }
        }
    }

    /// The unescaped value of string member `name` of the object at
    /// `object`; nil when absent or null. A value that is not a string, or
    /// holds a NUL (which no C string can carry intact), throws `wrongType`.
    package func stringMember(_ name: String, of object: Int = 0,
                              wrongType: @autoclosure () -> PKCEError) throws(PKCEError) -> SecureBytes? {
        try stringValue(member(name, of: object), wrongType: wrongType())
    }

    /// `stringMember` for a value node already found (nil: the member is absent).
    package func stringValue(_ index: Int?, wrongType: @autoclosure () -> PKCEError) throws(PKCEError) -> SecureBytes? {
        guard let index, nodes[index].kind != .null else { return nil }
        guard nodes[index].kind == .string else { throw wrongType() }
        let value = try string(index)
        guard !value.containsNUL else { throw wrongType() }
        return value
    }

    /// The node indices of the elements of the array at `array`, in order.
    package func elements(of array: Int) -> UnfoldSequence<Int, Int> {
        let end = nodes[array].next
        return sequence(state: array + 1) { element in
            guard element < end else { return nil }
            defer { element = nodes[element].next }  // the next element follows this one's subtree
            return element
        }
    }

    /// The string elements of array member `name` of the object at `object`
    /// (other elements are skipped); nil when absent or null. A member that
    /// is not an array throws `wrongType`.
    package func stringArrayMember(_ name: String, of object: Int = 0,
                                   wrongType: @autoclosure () -> PKCEError) throws(PKCEError) -> [String]? {
        guard let array = member(name, of: object), nodes[array].kind != .null else { return nil }
        guard nodes[array].kind == .array else { throw wrongType() }
        return elements(of: array).filter { nodes[$0].kind == .string }.map { plainString($0) }
    }

    /// The JSON text of the node at `index`, exactly as received.
    package func text(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[nodes[index].start..<nodes[index].end])
    }

    /// Up to this many members an object's keys are compared pairwise; past it, through a set.
    static let pairwiseKeyLimit = 16

    /// The members of the object at `object`: each key's node and its value's.
    package func members(of object: Int = 0) -> [(key: Int, value: Int)] {
        guard nodes[object].kind == .object else { return [] }
        return keyIndices(of: object, before: nodes[object].next).map { ($0, $0 + 1) }
    }

    /// The key nodes of the object at `object` that come before node `limit`.
    private func keyIndices(of object: Int, before limit: Int) -> [Int] {
        var keys: [Int] = []
        _ = firstKey(of: object, before: limit) { _, key in
            keys.append(key)
            return false
        }
        return keys
    }

    /// Whether a key of the object at `object` before node `limit` is the
    /// same as key `key`: lengths first, as every object of every answer is
    /// checked this way.
    private func hasKey(of object: Int, before limit: Int, sameAs key: Int) -> Bool {
        let length = nodes[key].end - nodes[key].start, escaped = nodes[key].escaped
        return firstKey(of: object, before: limit) { nodes, other in
            (escaped || nodes[other].escaped || nodes[other].end - nodes[other].start == length) && sameKey(other, key)
        } != nil
    }

    private func sameKey(_ a: Int, _ b: Int) -> Bool {
        if nodes[a].escaped || nodes[b].escaped { return plainString(a) == plainString(b) }
        return text(a).sameBytes(as: text(b))
    }

    private static func emitUTF8(_ scalar: UInt32, _ emit: (UInt8) -> Void) {
        switch scalar {
        case ..<0x80:
            emit(UInt8(scalar))
        case ..<0x800:
            emit(UInt8(0xC0 | scalar >> 6)); emit(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            emit(UInt8(0xE0 | scalar >> 12)); emit(UInt8(0x80 | scalar >> 6 & 0x3F)); emit(UInt8(0x80 | scalar & 0x3F))
        default:
            emit(UInt8(0xF0 | scalar >> 18)); emit(UInt8(0x80 | scalar >> 12 & 0x3F))
            emit(UInt8(0x80 | scalar >> 6 & 0x3F)); emit(UInt8(0x80 | scalar & 0x3F))
        }
    }

    // MARK: parsing

    private func skipWhitespace(_ p: inout Int) {
        while p < bytes.count, bytes[p] == 0x20 || bytes[p] == 0x0A || bytes[p] == 0x0D || bytes[p] == 0x09 { p += 1 }
    }

    private mutating func parseValue(_ p: inout Int, depth: Int) throws(Malformed) {
        skipWhitespace(&p)
        guard p < bytes.count else { throw Malformed(reason: "unexpected end of body") }
        let index = nodes.count
        let start = p
        switch bytes[p] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw Malformed(reason: "nesting deeper than \(Self.maxDepth)") }
            let isObject = bytes[p] == UInt8(ascii: "{")
            nodes.append(Node(kind: isObject ? .object : .array, start: start, end: start, next: 0, escaped: false))
            p += 1
            try parseContainer(&p, isObject: isObject, depth: depth + 1)
        case UInt8(ascii: "\""):
            try parseString(&p)
        case UInt8(ascii: "t"): try literal(&p, "true", .true)
        case UInt8(ascii: "f"): try literal(&p, "false", .false)
        case UInt8(ascii: "n"): try literal(&p, "null", .null)
        default:
            try parseNumber(&p)
        }
        nodes[index].end = p
        nodes[index].next = nodes.count
    }

    private mutating func parseContainer(_ p: inout Int, isObject: Bool, depth: Int) throws(Malformed) {
        let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
        skipWhitespace(&p)
        if p < bytes.count, bytes[p] == close { p += 1; return }
        let object = nodes.count - 1
        var members = 0
        var manyKeys: Set<String>?  // only for large objects: small ones are checked pairwise, without allocating
        while true {
            if isObject {
                skipWhitespace(&p)
                guard p < bytes.count, bytes[p] == UInt8(ascii: "\"") else { throw Malformed(reason: "expected a member name at offset \(p)") }
                let keyIndex = nodes.count
                try parseString(&p)
                members += 1
                if members > Self.pairwiseKeyLimit && manyKeys == nil {
                    manyKeys = Set(keyIndices(of: object, before: keyIndex).map { plainString($0) })
                }
                let duplicate: Bool
                if let inserted = manyKeys?.insert(plainString(keyIndex)).inserted {
                    duplicate = !inserted
                } else {
                    duplicate = hasKey(of: object, before: keyIndex, sameAs: keyIndex)
                }
                if duplicate { throw Malformed(reason: "duplicate member \"\(PKCEError.printable(plainString(keyIndex)))\"") }
                skipWhitespace(&p)
                guard p < bytes.count, bytes[p] == UInt8(ascii: ":") else { throw Malformed(reason: "expected ':' at offset \(p)") }
                p += 1
            }
            try parseValue(&p, depth: depth)
            skipWhitespace(&p)
            guard p < bytes.count else { throw Malformed(reason: "unexpected end of body") }
            if bytes[p] == UInt8(ascii: ",") { p += 1; continue }
            guard bytes[p] == close else { throw Malformed(reason: "expected ',' or '\(Character(Unicode.Scalar(close)))' at offset \(p)") }
            p += 1
            return
        }
    }

    private mutating func parseString(_ p: inout Int) throws(Malformed) {
        let start = p
        p += 1
        var escaped = false
        while true {
            p = Self.plainRun(bytes, from: p)
            guard p < bytes.count else { throw Malformed(reason: "unterminated string") }
            let byte = bytes[p]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw Malformed(reason: "control character in a string at offset \(p)") }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                guard p + 1 < bytes.count else { throw Malformed(reason: "unterminated string") }
                switch bytes[p + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    p += 2
                case UInt8(ascii: "u"):
                    let unit = try unicodeEscape(at: p)
                    p += 6
                    if unit >= 0xDC00 && unit < 0xE000 { throw Malformed(reason: "lone low surrogate at offset \(p - 6)") }
                    if unit >= 0xD800 && unit < 0xDC00 {
                        guard p + 1 < bytes.count, bytes[p] == UInt8(ascii: "\\"), bytes[p + 1] == UInt8(ascii: "u")
                        else { throw Malformed(reason: "lone high surrogate at offset \(p - 6)") }
                        let low = try unicodeEscape(at: p)
                        guard low >= 0xDC00 && low < 0xE000 else { throw Malformed(reason: "lone high surrogate at offset \(p - 6)") }
                        p += 6
                    }
                default:
                    throw Malformed(reason: "invalid escape at offset \(p)")
                }
                continue
            }
            p += 1
        }
        p += 1
        nodes.append(Node(kind: .string, start: start, end: p, next: nodes.count + 1, escaped: escaped))
    }

    /// Where the run of bytes from `p` that need no look in a string (no
    /// quote, backslash or control character) ends, sixteen at a time with
    /// SSE2 on x86-64: tokens are long runs of them, and a test per byte was
    /// most of the parse. Elsewhere `p`: the byte loop does it all.
    @inline(__always)
    private static func plainRun(_ bytes: UnsafeBufferPointer<UInt8>, from p: Int) -> Int {
        #if arch(x86_64)
        guard let base = bytes.baseAddress else { return p }
        var p = p
        let quote = _mm_set1_epi8(0x22), backslash = _mm_set1_epi8(0x5C), lastControl = _mm_set1_epi8(0x1F)
        while p + 16 <= bytes.count {
            let x = _mm_loadu_si128(UnsafeRawPointer(base + p).assumingMemoryBound(to: __m128i.self))
            // max(x, 0x1F) == 0x1F: the byte is a control character (unsigned, so UTF-8 bytes are not).
            let special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)),
                                       _mm_cmpeq_epi8(_mm_max_epu8(x, lastControl), lastControl))
            let mask = _mm_movemask_epi8(special)
            if mask != 0 { return p + mask.trailingZeroBitCount }
            p += 16
        }
        return p
        #else
        return p
        #endif
    }

    /// The code unit of the `\\uXXXX` escape at `p`.
    private func unicodeEscape(at p: Int) throws(Malformed) -> UInt32 {
        guard let unit = Hex.value4(bytes, at: p + 2) else { throw Malformed(reason: "invalid \\u escape at offset \(p)") }
        return unit
    }

    private mutating func literal(_ p: inout Int, _ word: StaticString, _ kind: Kind) throws(Malformed) {
        let n = word.utf8CodeUnitCount
        guard p + n <= bytes.count, UnsafeBufferPointer(rebasing: bytes[p..<(p + n)]).sameBytes(as: UnsafeBufferPointer(start: word.utf8Start, count: n))
        else { throw Malformed(reason: "unexpected character at offset \(p)") }
        nodes.append(Node(kind: kind, start: p, end: p + n, next: nodes.count + 1, escaped: false))
        p += n
    }

    private mutating func parseNumber(_ p: inout Int) throws(Malformed) {
        let start = p
        func digits(_ p: inout Int) -> Int {
            let from = p
            while p < bytes.count, bytes[p] >= UInt8(ascii: "0"), bytes[p] <= UInt8(ascii: "9") { p += 1 }
            return p - from
        }
        if p < bytes.count, bytes[p] == UInt8(ascii: "-") { p += 1 }
        let intStart = p
        let intDigits = digits(&p)
        guard intDigits > 0, !(intDigits > 1 && bytes[intStart] == UInt8(ascii: "0")) else {
            throw Malformed(reason: "unexpected character at offset \(start)")
        }
        if p < bytes.count, bytes[p] == UInt8(ascii: ".") {
            p += 1
            guard digits(&p) > 0 else { throw Malformed(reason: "invalid number at offset \(start)") }
        }
        if p < bytes.count, bytes[p] == UInt8(ascii: "e") || bytes[p] == UInt8(ascii: "E") {
            p += 1
            if p < bytes.count, bytes[p] == UInt8(ascii: "+") || bytes[p] == UInt8(ascii: "-") { p += 1 }
            guard digits(&p) > 0 else { throw Malformed(reason: "invalid number at offset \(start)") }
        }
        nodes.append(Node(kind: .number, start: start, end: p, next: nodes.count + 1, escaped: false))
    }
}
