import COpenSSL

/// SHA-256 through OpenSSL's low-level calls, which go straight to the
/// CPU's SHA instructions (see Sources/COpenSSL/shim.h for why not EVP).
enum SHA256 {
    /// The raw digest (not hex) into `out`, which holds 32 bytes.
    ///
    /// The context is not wiped here: SHA256_Final cleanses the block that
    /// held the input itself, and what it leaves, the chaining state, is the
    /// digest (`SHA256Tests` checks that no input byte remains). Wiping it
    /// again was a sixth of a challenge's time.
    static func hash(_ input: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) {
        // Uninitialised: SHA256_Init sets every field it reads.
        withUnsafeTemporaryAllocation(of: SHA256_CTX.self, capacity: 1) { context in
            SHA256_Init(context.baseAddress)
            SHA256_Update(context.baseAddress, input.baseAddress, input.count)
            SHA256_Final(out.baseAddress, context.baseAddress)
        }
    }
}
