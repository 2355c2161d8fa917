import COpenSSL
import Testing
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif
@testable import PKCE

@Suite struct SHA256Tests {
    /// `SHA256.hash` leaves its context unwiped because OpenSSL's
    /// SHA256_Final cleanses the block that held the input: if an OpenSSL
    /// ever stops doing so, this fails, and the wipe must come back.
    @Test(arguments: [43, 55, 56, 64, 100, 128])
    func finalLeavesNoInputInTheContext(_ length: Int) {
        let input = [UInt8](repeating: UInt8(ascii: "Q"), count: length)
        var context = SHA256_CTX()
        var digest = [UInt8](repeating: 0, count: 32)
        SHA256_Init(&context)
        input.withUnsafeBufferPointer { _ = SHA256_Update(&context, $0.baseAddress, $0.count) }
        SHA256_Final(&digest, &context)
        let left = withUnsafeBytes(of: &context) { raw in raw.indices.dropLast(3).filter { i in raw[i..<i + 4].allSatisfy { $0 == 0x51 } } }
        #expect(left.isEmpty)
    }

    /// The verifier check's bit masks say what RFC 7636's grammar says, byte for byte.
    @Test func verifierCharactersAreTheUnreservedOnes() {
        for byte in UInt8.min...UInt8.max {
            let unreserved = (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
                || "-._~".utf8.contains(byte)
            var verifier = [UInt8](repeating: UInt8(ascii: "a"), count: 43)
            verifier[20] = byte
            let accepted = (try? verifier.withUnsafeBufferPointer { (bytes) throws(PKCEError) in try PKCE.checkVerifier(bytes) }) != nil
            #expect(accepted == unreserved, "byte \(byte)")
        }
    }

    #if arch(x86_64)
    /// Every length the register padding takes, and one past each end of
    /// them, against OpenSSL's one-shot SHA256() of the same bytes: each
    /// way the message's end can fall in a 16-byte piece and in a block.
    @Test func shortHashIsOpenSSLsDigest() {
        for n in 15...184 {
            let input = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ n) }
            var expected = [UInt8](repeating: 0, count: 32), digest = [UInt8](repeating: 0xAA, count: 32)
            _ = COpenSSL.SHA256(input, n, &expected)
            let hashed = input.withUnsafeBufferPointer { bytes in
                digest.withUnsafeMutableBufferPointer { SHA256.hashShort(bytes, into: $0.baseAddress!, inspecting: { _ in true }) }
            }
            #expect(hashed == SHA256.shortInputs.contains(n), "length \(n)")
            #expect(digest == (hashed ? expected : [UInt8](repeating: 0xAA, count: 32)), "length \(n)")
        }
    }

    /// The inspector sees every byte of the input, whatever the length:
    /// one byte it refuses, anywhere, stops the hash and writes nothing.
    @Test func shortHashShowsEveryByteToItsInspector() {
        let refused = _mm_set1_epi8(0x3D)  // "="
        for n in SHA256.shortInputs {
            for position in 0..<n {
                var input = [UInt8](repeating: UInt8(ascii: "a"), count: n)
                input[position] = 0x3D
                var digest = [UInt8](repeating: 0xAA, count: 32)
                let hashed = input.withUnsafeBufferPointer { bytes in
                    digest.withUnsafeMutableBufferPointer { out in
                        SHA256.hashShort(bytes, into: out.baseAddress!) { _mm_movemask_epi8(_mm_cmpeq_epi8($0, refused)) == 0 }
                    }
                }
                #expect(!hashed && digest.allSatisfy { $0 == 0xAA }, "length \(n), position \(position)")
            }
        }
    }
    #endif
}
