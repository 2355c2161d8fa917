import COpenSSL
import Testing
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
}
