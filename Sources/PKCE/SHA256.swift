import COpenSSL

/// SHA-256 through OpenSSL's low-level calls, which go straight to the
/// CPU's SHA instructions (see Sources/COpenSSL/shim.h for why not EVP).
enum SHA256 {
    /// The raw digest (not hex) into `out`, which holds 32 bytes.
    static func hash(_ input: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) {
        var context = SHA256_CTX()
        SHA256_Init(&context)
        SHA256_Update(&context, input.baseAddress, input.count)
        SHA256_Final(out.baseAddress, &context)
        wipe(&context, MemoryLayout<SHA256_CTX>.size)
    }
}
