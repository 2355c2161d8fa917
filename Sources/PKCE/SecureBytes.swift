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

    public convenience init(_ bytes: UnsafeBufferPointer<UInt8>) throws(PKCEError) {
        let copy = try secureAllocate(bytes.count + 1)
        if let source = bytes.baseAddress { copy.update(from: source, count: bytes.count) }
        self.init(adopting: copy, count: bytes.count)
    }

    public convenience init(_ string: String) throws(PKCEError) {
        var string = string
        let count = string.utf8.count
        let copy = try secureAllocate(count + 1)
        string.withUTF8 { utf8 in
            if let source = utf8.baseAddress { copy.update(from: source, count: count) }
        }
        self.init(adopting: copy, count: count)
    }

    deinit {
        wipe(base, count + 1)
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

    /// Whether the bytes contain a NUL, which a C string cannot carry. With
    /// memchr: every string of every answer is checked.
    var containsNUL: Bool { count > 0 && memchr(base, 0, count) != nil }
}

/// Overwrites memory with zeros in a way the compiler may not remove
/// (OpenSSL's OPENSSL_cleanse): for every buffer that held a secret.
public func wipe(_ memory: UnsafeMutableRawPointer?, _ count: Int) {
    guard let memory, count > 0 else { return }
    OPENSSL_cleanse(memory, count)
}

/// `malloc` for the buffers that hold secrets and results. These are the
/// allocations whose size the input decides, so their failure is reported
/// (PKCE_ERR_OUT_OF_MEMORY); the Swift runtime's own small allocations
/// still abort, as the header's conventions say.
func secureAllocate(_ count: Int) throws(PKCEError) -> UnsafeMutablePointer<UInt8> {
    guard let raw = malloc(max(count, 1)) else { throw PKCEError(.outOfMemory) }
    return raw.assumingMemoryBound(to: UInt8.self)
}
