import Testing
@testable import PKCE

/// The form parser redirect queries go through, and the UTF-8 check it (and JSON) relies on.
@Suite struct FormEncodingTests {
    func parse(_ query: String) -> [(String, String)]? {
        var query = query
        let pairs = query.withUTF8 { bytes in try? FormEncoding.parse(bytes) { PKCEError(.callbackInvalid) } }
        return pairs?.map { ($0.name, $0.value.string) }
    }

    @Test func decodes() throws {
        let pairs = try #require(parse("a=1&b=x+y&c=%41%2b%e2%82%AC&&d&e="))
        #expect(pairs.map(\.0) == ["a", "b", "c", "d", "e"])
        #expect(pairs.map(\.1) == ["1", "x y", "A+€", "", ""])
        #expect(parse("a%20b=1")?.first?.0 == "a b")
    }

    @Test(arguments: ["a=%", "a=%4", "a=%g1", "a=%00", "a%00=1", "a=%ff", "a=%c3%28", "%ed%a0%80=1"])
    func refuses(_ query: String) {
        #expect(parse(query) == nil)
    }

    @Test func utf8Validation() {
        func valid(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBufferPointer { UTF8Validation.isValid($0) } }
        #expect(valid(Array("aé€😀".utf8)))
        #expect(!valid([0xC0, 0x80]))              // overlong NUL
        #expect(!valid([0xE0, 0x80, 0x80]))        // overlong
        #expect(!valid([0xED, 0xA0, 0x80]))        // surrogate
        #expect(!valid([0xF4, 0x90, 0x80, 0x80]))  // past U+10FFFF
        #expect(!valid([0xE2, 0x82]))              // truncated
        #expect(!valid([0xFF]))
        // Past the eight-bytes-at-a-time ASCII path: a bad or a good sequence at every offset.
        for offset in 0..<24 {
            let ascii = [UInt8](repeating: UInt8(ascii: "a"), count: offset)
            #expect(!valid(ascii + [0xFF] + ascii), "0xFF after \(offset) ASCII bytes")
            #expect(!valid(ascii + [0xE2, 0x82]), "truncated after \(offset) ASCII bytes")
            #expect(valid(ascii + Array("€".utf8) + ascii), "€ after \(offset) ASCII bytes")
        }
    }
}
