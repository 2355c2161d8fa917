import Testing
@testable import PKCE

@Suite struct JSONTests {
    func code(_ status: Int, _ body: String) -> PKCEError.Code? {
        do { _ = try TokenResponse(httpStatus: status, body: body); return nil } catch { return error.code }
    }

    func parses(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { (try? JSONDocument(parsing: $0)) != nil }
    }

    /// Duplicate keys are found whether compared pairwise (small objects) or
    /// through a set (large ones), and also when only their escapes differ.
    @Test(arguments: [2, JSONDocument.pairwiseKeyLimit, JSONDocument.pairwiseKeyLimit + 1, 100])
    func duplicateKeys(members: Int) {
        let distinct = (0..<members).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        #expect(code(200, #"{"access_token":"a","#  + distinct + "}") == nil)
        #expect(code(200, #"{"access_token":"a","# + distinct + #","k0":0}"#) == .responseMalformed)
        #expect(code(200, #"{"access_token":"a","# + distinct + #","\u006b1":0}"#) == .responseMalformed)
        #expect(code(200, #"{"\u0061ccess_token":"a","# + distinct + #","access_token":"b"}"#) == .responseMalformed)
    }

    /// Random bytes and random mutations of a valid body: the parser answers, never crashes.
    @Test func parserSurvivesGarbage() {
        var rng = SystemRandomNumberGenerator()
        let seed = Array(#"{"access_token":"a\u00e9\ud83d\ude00","n":[1,-2.5e3,true,false,null,{"k":"v"}]}"#.utf8)
        for round in 0..<3000 {
            var body = seed
            if round % 2 == 0 {
                body = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let i = Int.random(in: 0..<body.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: body[i] = UInt8.random(in: 0...255, using: &rng)
                    case 1: body.remove(at: i)
                    default: body.insert(body[Int.random(in: 0..<body.count, using: &rng)], at: i)
                    }
                }
            }
            let result = body.withUnsafeBufferPointer { b in Result { () throws(PKCEError) in try TokenResponse(httpStatus: 200, body: b) } }
            if case .failure(let error) = result {
                #expect([.responseMalformed, .responseInvalid].contains(error.code))
            }
        }
    }

    @Test func jsonStringDecoding() throws {
        let t = try TokenResponse(httpStatus: 200, body: #"{"access_token":"a","s":"\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00"}"#)
        #expect(try t.memberString("s")?.string == "\"\\/\u{8}\u{C}\n\r\tAé€😀")
    }

    @Test func strictness() {
        #expect(parses(#"{"a":[1,-0.5e+3,true,false,null,"\u00e9"]}"#))
        #expect(!parses(#"{"a":1,}"#))
        #expect(!parses(#"{"a":01}"#))
        #expect(!parses(#"{"a":"\ud83d"}"#))       // lone high surrogate
        #expect(!parses(#"{"a":"\ude00"}"#))       // lone low surrogate
        #expect(!parses(#"{"a":"\u12"}"#))         // truncated escape
        #expect(!parses("{\"a\":\"\u{1}\"}"))   // raw control character
        #expect(!parses(#"{"a":1} x"#))
        #expect(parses(String(repeating: "[", count: JSONDocument.maxDepth) + String(repeating: "]", count: JSONDocument.maxDepth)))
        #expect(!parses(String(repeating: "[", count: JSONDocument.maxDepth + 1) + String(repeating: "]", count: JSONDocument.maxDepth + 1)))
    }

    @Test func stringMembers() throws {
        var text = #"{"s":"v","n":null,"x":1,"z":"a\u0000b"}"#
        try text.withUTF8 { bytes in
            let document = try JSONDocument(parsing: bytes)
            let wrong = PKCEError(.responseInvalid, "wrong type")
            #expect(try document.stringMember("s", wrongType: wrong)?.string == "v")
            #expect(try document.stringMember("n", wrongType: wrong) == nil)
            #expect(try document.stringMember("absent", wrongType: wrong) == nil)
            #expect(throws: wrong) { try document.stringMember("x", wrongType: wrong) }
            #expect(throws: wrong) { try document.stringMember("z", wrongType: wrong) }
        }
    }
}
