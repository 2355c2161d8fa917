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

    @Test func oauthErrorDetail() {
        do {
            _ = try TokenResponse(httpStatus: 400, body: #"{"error":"invalid_grant","error_description":"bad \"verifier\""}"#)
        } catch {
            #expect(error.code == .oauth && error.httpStatus == 400)
            #expect(error.oauth == PKCEError.OAuthDetail(error: "invalid_grant", description: #"bad "verifier""#, uri: nil))
        }
    }

    /// RFC 7009 2.2: any 2xx is success whatever the body; otherwise the OAuth
    /// error the body carries, or the HTTP status.
    @Test func revocationAnswers() {
        func code(_ status: Int, _ body: String) -> PKCEError.Code? {
            do { try ServerAnswer.checkRevocation(HTTPResponse(status: status, body: SecureBytes(body))); return nil } catch {
                return error.code
            }
        }
        #expect(code(200, "") == nil)
        #expect(code(204, "not json") == nil)
        #expect(code(400, #"{"error":"unsupported_token_type"}"#) == .oauth)
        #expect(code(503, "<html>down</html>") == .httpStatus)
        #expect(code(401, "{}") == .httpStatus)
    }
}
