#if canImport(Glibc)
import Glibc
#endif
import COpenSSL

/// Bytes on the C heap that are overwritten with zeros when released, for
/// secrets (verifiers, codes, tokens, request bodies). A NUL always follows
/// the bytes so that the C layer can lend them out as a string.
public final class SecureBytes: @unchecked Sendable {
    package let base: UnsafeMutablePointer<UInt8>
    public let count: Int

    /// Takes ownership of `malloc`ed memory holding `count` bytes and room for a NUL.
    init(adopting base: UnsafeMutablePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
        base[count] = 0
    }

    public convenience init(_ bytes: UnsafeBufferPointer<UInt8>) {
        let copy = secureAllocate(bytes.count + 1)
        if let source = bytes.baseAddress { copy.update(from: source, count: bytes.count) }
        self.init(adopting: copy, count: bytes.count)
    }

    public convenience init(_ string: String) {
        var string = string
        let count = string.utf8.count
        let copy = string.withUTF8 { utf8 in
            let copy = secureAllocate(count + 1)
            if let source = utf8.baseAddress { copy.update(from: source, count: count) }
            return copy
        }
        self.init(adopting: copy, count: count)
    }

    deinit {
        OPENSSL_cleanse(base, count + 1)
        free(base)
    }

    /// The bytes, valid only while this object is alive: use `withBytes` unless
    /// the object is a stored property of something that outlives the use.
    package var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// Calls `body` with the bytes, keeping them alive (and unwiped) until it returns.
    public func withBytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        try withExtendedLifetime(self) { () throws(E) -> R in try body(buffer) }
    }

    /// A Swift copy of the text. Swift strings cannot be wiped: prefer `buffer` for secrets.
    public var string: String { String(decoding: buffer, as: UTF8.self) }

    package var cString: UnsafePointer<CChar> { UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self) }

    /// Whether the bytes contain a NUL, which a C string cannot carry.
    var containsNUL: Bool { buffer.contains(0) }
}

/// `malloc`, with allocation failure as a crash: the Swift runtime offers no
/// way to recover from it, and every other allocation in Swift behaves so.
func secureAllocate(_ count: Int) -> UnsafeMutablePointer<UInt8> {
    guard let raw = malloc(max(count, 1)) else { fatalError("libpkce: out of memory") }
    return raw.assumingMemoryBound(to: UInt8.self)
}

/// A growable byte buffer for building URLs and bodies that may hold
/// secrets: every buffer it lets go of is wiped first.
struct ByteWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        base = secureAllocate(self.capacity)
    }

    // Only the first `count` bytes were ever written, so only they need wiping.
    deinit {
        OPENSSL_cleanse(base, count)
        free(base)
    }

    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count + extra + 1 > capacity { grow(count + extra + 1) }  // + the NUL that finish() appends
    }

    private mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let grown = secureAllocate(newCapacity)
        grown.update(from: base, count: count)
        OPENSSL_cleanse(base, count)
        free(base)
        base = grown
        capacity = newCapacity
    }

    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    mutating func append(_ string: String) {
        var string = string
        string.withUTF8 { append($0) }
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends `bytes` percent-encoded: every byte `encoding` does not keep becomes %XX.
    mutating func appendEncoded(_ bytes: UnsafeBufferPointer<UInt8>, _ encoding: PercentEncoding) {
        reserve(bytes.count * 3)
        for byte in bytes {
            if encoding.keeps(byte) {
                base[count] = byte
                count += 1
            } else if encoding == .form && byte == 0x20 {
                base[count] = UInt8(ascii: "+")
                count += 1
            } else {
                base[count] = UInt8(ascii: "%")
                base[count + 1] = hexDigits[Int(byte >> 4)]
                base[count + 2] = hexDigits[Int(byte & 0x0F)]
                count += 3
            }
        }
    }

    mutating func appendEncoded(_ string: String, _ encoding: PercentEncoding) {
        var string = string
        string.withUTF8 { appendEncoded($0, encoding) }
    }

    /// Hands the bytes over without a copy; the writer's buffer becomes the result's.
    consuming func finish() -> SecureBytes {
        let result = SecureBytes(adopting: base, count: count)
        discard self  // the buffer now belongs to `result`, which wipes it
        return result
    }
}

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

private let hexDigits: StaticString = "0123456789ABCDEF"
private extension StaticString {
    subscript(_ index: Int) -> UInt8 { utf8Start[index] }
}
