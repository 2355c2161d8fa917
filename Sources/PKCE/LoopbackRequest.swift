/// A request to the loopback listener, read sans I/O: what any local
/// process, or a web page the browser shows, can send it. Only the request
/// line and the `Host` header matter; the rest is not looked at.
package struct LoopbackRequest {
    /// Where the request head (up to, not including, its blank line) ends in
    /// `bytes`; nil until all of it has arrived.
    package static func headEnd(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 3..<bytes.count where bytes[i] == 0x0A && bytes[i - 1] == 0x0D && bytes[i - 2] == 0x0A && bytes[i - 3] == 0x0D {
            return i - 3
        }
        return nil
    }

    /// The request target of a `GET <target> HTTP/1.x` line, as a slice of
    /// the head (it holds the code and state: never copied into a String);
    /// nil for another method or a malformed line. Only GET carries an
    /// authorization response.
    package let target: UnsafeBufferPointer<UInt8>?
    /// The value of the one `Host` header, without surrounding white space;
    /// nil when there is none or more than one (which is refused alike).
    package let host: String?

    /// `head` as `headEnd` delimits it.
    package init(head: UnsafeBufferPointer<UInt8>) {
        let lines = head.split(separator: 0x0A, omittingEmptySubsequences: false).map { $0.last == 0x0D ? $0.dropLast() : $0 }
        host = Self.host(lines.dropFirst())
        let parts = (lines.first ?? head[...]).split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: false)
        if parts.count == 3, parts[0].elementsEqual("GET".utf8), parts[2].starts(with: "HTTP/1.".utf8) {
            target = UnsafeBufferPointer(rebasing: parts[1])
        } else {
            target = nil
        }
    }

    private static func host(_ lines: ArraySlice<Slice<UnsafeBufferPointer<UInt8>>>) -> String? {
        var found: String?
        for line in lines {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")),
                  line[..<colon].map({ $0 | 0x20 }).elementsEqual("host".utf8) else { continue }
            guard found == nil else { return nil }
            let value = line[(colon + 1)...].drop { $0 == 0x20 || $0 == 0x09 }
            found = String(decoding: value.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed(), as: UTF8.self)
        }
        return found
    }
}
