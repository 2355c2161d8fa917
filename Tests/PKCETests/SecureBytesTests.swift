import Testing
@testable import PKCE

/// SecureBytes, ByteWriter and the percent-encodings they write.
@Suite struct SecureBytesTests {
    @Test func bytesCarryANULForC() throws {
        let bytes = try SecureBytes("secret"), empty = try SecureBytes("")
        withExtendedLifetime((bytes, empty)) {  // the pointers below are valid only while their owners live
            #expect(bytes.count == 6 && bytes.base[6] == 0)
            #expect(String(cString: bytes.cString) == "secret")
            #expect(empty.count == 0 && empty.base[0] == 0)
        }
        #expect(try SecureBytes("a\u{0}b").containsNUL)
    }

    @Test func writerGrowsAndHandsOverItsBuffer() throws {
        var writer = try ByteWriter(capacity: 1)
        for i in 0..<1000 { writer.append(UInt8(ascii: "a") + UInt8(i % 26)) }
        writer.append("€")
        let bytes = try writer.finish()
        #expect(bytes.count == 1003)
        withExtendedLifetime(bytes) { #expect(bytes.string.hasSuffix("€") && bytes.base[1003] == 0) }
    }

    /// Sizes no malloc can satisfy stand in for running out of memory: the
    /// buffers whose size the input decides fail with a status, not an abort.
    @Test func allocationFailureIsAnError() throws {
        let outOfMemory = PKCEError(.outOfMemory)
        let huge = 1 << 61
        let anywhere = try #require(UnsafePointer<UInt8>(bitPattern: 0x1000))  // never read: the allocation fails first
        #expect(throws: outOfMemory) { try SecureBytes(UnsafeBufferPointer(start: anywhere, count: huge)) }
        #expect(throws: outOfMemory) { _ = try ByteWriter(capacity: huge) }
        var writer = try ByteWriter()
        writer.append("kept")
        writer.append(UnsafeBufferPointer(start: anywhere, count: huge))  // cannot grow: the writer stops
        writer.append("ignored")
        #expect(writer.count == 4)
        do {
            _ = try writer.finish()
            Issue.record("a writer that could not grow finished")
        } catch {
            #expect(error == outOfMemory)
        }
    }

    @Test func queryAndFormEncodings() throws {
        func encoded(_ text: String, _ encoding: PercentEncoding) throws -> String {
            var writer = try ByteWriter()
            writer.appendEncoded(text, encoding)
            return try writer.finish().string
        }
        let text = "a b*~-._é/?&=+%"
        #expect(try encoded(text, .query) == "a%20b%2A~-._%C3%A9%2F%3F%26%3D%2B%25")
        #expect(try encoded(text, .form) == "a+b*%7E-._%C3%A9%2F%3F%26%3D%2B%25")
    }

    /// Every byte, against the sets as the standards spell them: RFC 3986
    /// 2.3's unreserved characters, and WHATWG's urlencoded set (1.3.1).
    @Test func everyByteKeptOrEncodedAsTheStandardsSay() {
        let alphanumeric = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        let unreserved = alphanumeric.union("-._~".utf8)
        let formKept = alphanumeric.union("*-._".utf8)
        for byte in UInt8(0)...UInt8(255) {
            #expect(PercentEncoding.query.keeps(byte) == unreserved.contains(byte), "query, byte \(byte)")
            #expect(PercentEncoding.form.keeps(byte) == formKept.contains(byte), "form, byte \(byte)")
        }
    }

    /// The writer tests sixteen bytes at a time (SSE2) with a set of its
    /// own: every byte, at every place of a block and of a shorter tail,
    /// comes out as `keeps` (checked above against the standards) says.
    @Test func encodingAgreesWithKeepsInBlocksAndTails() throws {
        for encoding in [PercentEncoding.query, .form] {
            for byte in UInt8(0)...UInt8(255) {
                for place in 0..<21 {
                    var input = [UInt8](repeating: UInt8(ascii: "a"), count: 21)
                    input[place] = byte
                    var expected = ""
                    for b in input {
                        if encoding.keeps(b) { expected.unicodeScalars.append(Unicode.Scalar(b)) }
                        else if encoding == .form && b == 0x20 { expected += "+" }
                        else { expected += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true) }
                    }
                    var writer = try ByteWriter()
                    input.withUnsafeBufferPointer { writer.appendEncoded($0, encoding) }
                    #expect(try writer.finish().string == expected, "\(encoding), byte \(byte) at \(place)")
                }
            }
        }
    }

    @Test func hexBothWays() {
        for byte in UInt8(0)...UInt8(255) {
            let upper = Hex.value(byte)
            let expected: UInt8? = switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - 48
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - 87
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - 55
            default: nil
            }
            #expect(upper == expected)
        }
        for nibble in 0..<16 {
            #expect(Hex.value(Hex.upper[nibble]) == UInt8(nibble) && Hex.value(Hex.lower[nibble]) == UInt8(nibble))
        }
        let digits = Array("00e9zz".utf8)
        digits.withUnsafeBufferPointer { d in
            #expect(Hex.value4(d, at: 0) == 0xE9)
            #expect(Hex.value4(d, at: 2) == nil)   // "e9zz"
            #expect(Hex.value4(d, at: 3) == nil)   // past the end
        }
    }

    @Test func wipeZeroes() {
        var bytes: [UInt8] = [1, 2, 3, 4]
        bytes.withUnsafeMutableBytes { wipe($0.baseAddress, $0.count) }
        #expect(bytes == [0, 0, 0, 0])
        wipe(nil, 10)  // nothing to do, no crash
    }
}
