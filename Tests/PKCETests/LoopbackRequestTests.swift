import Testing
@testable import PKCE

/// What a local process or a page can send the loopback listener.
@Suite struct LoopbackRequestTests {
    func read(_ text: String) -> (target: String?, host: String?)? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            let all = UnsafeBufferPointer(buffer)
            guard let end = LoopbackRequest.headEnd(all) else { return nil }
            let request = LoopbackRequest(head: UnsafeBufferPointer(rebasing: all[..<end]))
            return (request.target.map { String(decoding: $0, as: UTF8.self) }, request.host)
        }
    }

    @Test func aBrowsersRequest() {
        let r = read("GET /callback?code=c&state=s HTTP/1.1\r\nHost: 127.0.0.1:8765\r\nAccept: */*\r\n\r\n")
        #expect(r?.target == "/callback?code=c&state=s" && r?.host == "127.0.0.1:8765")
        #expect(read("GET / HTTP/1.1\r\nhOsT:\t[::1]:9 \t\r\n\r\n")?.host == "[::1]:9")
    }

    @Test func whatIsRefused() {
        #expect(read("GET / HTTP/1.1\r\nHost: a\r\n") == nil)  // not complete yet
        #expect(read("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")?.host == nil)  // two Host headers
        #expect(read("GET / HTTP/1.1\r\nX-Host: a\r\n\r\n")?.host == nil)
        #expect(read("POST /callback HTTP/1.1\r\nHost: a\r\n\r\n")?.target == nil)
        #expect(read("GET /callback HTTP/2\r\nHost: a\r\n\r\n")?.target == nil)
        #expect(read("GET  /callback HTTP/1.1\r\n\r\n")?.target == nil)  // an empty target, then a space
        #expect(read("\r\n\r\n")?.target == nil)
    }
}
