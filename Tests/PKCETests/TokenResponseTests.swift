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
        #expect(try t.memberJSON("user").map { String(decoding: $0, as: UTF8.self) } == #"{"id":"u"}"#)
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

    /// A refresh request remembers the refresh token it sends; an answer that
    /// brings none keeps that one (RFC 6749 6: it stays valid), one that
    /// brings a new one keeps its own.
    @Test func refreshKeepsTheSentTokenWhenTheAnswerHasNone() throws {
        var client = try ClientConfiguration(clientID: "app", redirectURI: "http://127.0.0.1/cb")
        try client.setTokenEndpoint("https://as.example/token")
        let request = try client.refreshRequest(refreshToken: "rt-sent")
        #expect(request.refreshToken?.string == "rt-sent")
        let unrotated = try TokenResponse(httpStatus: 200, body: #"{"access_token":"a"}"#)
        unrotated.keepRefreshToken(try #require(request.refreshToken))
        #expect(unrotated.refreshToken?.string == "rt-sent")
        let rotated = try TokenResponse(httpStatus: 200, body: #"{"access_token":"a","refresh_token":"rt-new"}"#)
        rotated.keepRefreshToken(try #require(request.refreshToken))
        #expect(rotated.refreshToken?.string == "rt-new")
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

    func failure(_ status: Int, _ body: String, requestID: String? = nil) -> PKCEError? {
        do { _ = try TokenResponse(HTTPResponse(status: status, body: SecureBytes(body), requestID: requestID)); return nil } catch {
            return error
        }
    }

    /// WorkOS answers failures as {"code", "message", ...} with members the
    /// application must act on: all of it stays with the error.
    @Test func wholeErrorAnswers() throws {
        let body = #"{"code":"email_verification_required","message":"Email ownership must be verified before authentication.","#
            + #""pending_authentication_token":"ql1AJgNoLN1tb9llaQ8jyC2dn","email_verification_id":"email_verification_01","#
            + #""email":"marcelina@example.com","user":{"email":"m@example.com","id":"user_01"}}"#
        let error = try #require(failure(403, body, requestID: "req-1\r\n"))
        #expect(error.code == .oauth && error.httpStatus == 403)
        #expect(error.oauth == PKCEError.OAuthDetail(error: "email_verification_required",
                                                     description: "Email ownership must be verified before authentication.", uri: nil))
        let answer = try #require(error.answer)
        #expect(answer.body.string == body && answer.requestID == "req-1??")
        #expect(try answer.string(at: "/pending_authentication_token")?.string == "ql1AJgNoLN1tb9llaQ8jyC2dn")
        #expect(try answer.string(at: "/user/email")?.string == "m@example.com")
        #expect(!error.message.contains("ql1AJ") && !error.description.contains("ql1AJ"))

        // `error` wins over `code`; a 2xx `code` is no error (a member like any other).
        #expect(failure(400, #"{"error":"invalid_grant","code":"x"}"#)?.oauth?.error == "invalid_grant")
        #expect(failure(200, #"{"access_token":"a","code":"x"}"#) == nil)
        // A non-2xx `error` that is no string (Google's APIs) is the status's error, with the answer.
        let google = try #require(failure(401, #"{"error":{"code":401,"message":"Request had invalid credentials."}}"#))
        #expect(google.code == .httpStatus)
        #expect(try google.answer?.integer(at: "/error/code") == 401)
        // Bodies that are not JSON are kept too, and say what they are.
        let html = try #require(failure(502, "<html>bad gateway</html>"))
        #expect(html.code == .httpStatus && html.answer?.body.string == "<html>bad gateway</html>" && html.answer?.isJSON == false)
        #expect(throws: PKCEError(.responseMalformed, "the answer's body is not a JSON object", httpStatus: 502)) {
            try html.answer?.string(at: "/x")
        }
    }

    @Test func emptyBodiesSayEmpty() throws {
        #expect(failure(500, "")?.message == "HTTP status 500 with an empty body")
        #expect(failure(200, "")?.code == .responseMalformed)
        #expect(failure(200, "")?.message == "the answer's body is empty")
        #expect(failure(500, "x")?.message == "HTTP status 500 with a body that is not JSON")
    }
}
