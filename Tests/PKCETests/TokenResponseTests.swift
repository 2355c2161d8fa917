import Testing
@testable import PKCE

@Suite struct TokenResponseTests {
    func code(_ status: Int, _ body: String) -> PKCEError.Code? {
        do { _ = try TokenResponse(httpStatus: status, body: body); return nil } catch { return error.code }
    }

    @Test func success() throws {
        let t = try TokenResponse(httpStatus: 200, body: #"{"access_token":"at","token_type":"Bearer","expires_in":60,"refresh_token":"rt","scope":"s","id_token":"i","user":{"id":"u"}}"#)
        #expect(t.accessToken.string == "at" && t.tokenType?.string == "Bearer" && t.expiresIn == 60)
        #expect(t.refreshToken?.string == "rt" && t.scope?.string == "s" && t.idToken?.string == "i")
        #expect(t.memberJSON("user").map { String(decoding: $0, as: UTF8.self) } == #"{"id":"u"}"#)
        #expect(throws: PKCEError.self) { try t.memberString("user") }
    }

    @Test func deviations() {
        #expect(code(200, #"{"access_token":"a","expires_in":"60","token_type":"bearer"}"#) == nil)
        #expect(code(200, #"{"access_token":"a","error":"invalid_grant"}"#) == .oauth)
        #expect(code(500, "<html></html>") == .httpStatus)
        #expect(code(200, "<html></html>") == .responseMalformed)
        #expect(code(200, #"{"access_token":"a","access_token":"a"}"#) == .responseMalformed)
        #expect(code(200, #"{"access_token":"a","expires_in":1.5}"#) == .responseInvalid)
        #expect(code(200, #"{"access_token":"a","unknown":{"deep":[1,2,3]}}"#) == nil)
        #expect(code(99, "{}") == .invalidArgument)
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

    @Test func oauthErrorDetail() {
        do {
            _ = try TokenResponse(httpStatus: 400, body: #"{"error":"invalid_grant","error_description":"bad \"verifier\""}"#)
        } catch {
            #expect(error.code == .oauth && error.httpStatus == 400)
            #expect(error.oauth == PKCEError.OAuthDetail(error: "invalid_grant", description: #"bad "verifier""#, uri: nil))
        }
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
}
