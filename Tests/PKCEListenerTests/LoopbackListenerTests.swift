#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import PKCE
@testable import PKCEListener

/// The listener against real loopback connections made by the tests.
@Suite struct LoopbackListenerTests {
    static func attempt() throws -> AuthorizationAttempt {
        var client = try ClientConfiguration(clientID: "app", redirectURI: "http://127.0.0.1:1/callback")
        try client.setAuthorizationEndpoint("https://as.example/authorize")
        try client.setTokenEndpoint("https://as.example/token")
        return try AuthorizationAttempt(client: client)
    }

    /// Sends `request` raw to the listener's port and returns the whole answer.
    static func send(_ request: String, to port: UInt16, ipv6: Bool = false) -> String {
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var connected: Int32
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            address.sin6_addr = in6addr_loopback
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(INADDR_LOOPBACK).bigEndian
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard connected == 0 else { return "" }
        _ = request.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        var answer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            answer += chunk[0..<n]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    static func get(_ target: String, port: UInt16, host: String? = nil) -> String {
        send("GET \(target) HTTP/1.1\r\nHost: \(host ?? "127.0.0.1:\(port)")\r\n\r\n", to: port)
    }

    /// Runs `body` on another thread while the caller waits.
    static func meanwhile(_ body: @escaping @Sendable () -> Void) -> Thread {
        let thread = Thread(block: body)
        thread.start()
        return thread
    }

    @Test func redirectURIFollowsTheBoundPort() throws {
        let listener = try LoopbackListener()
        #expect(listener.port != 0)
        #expect(listener.redirectURI == "http://127.0.0.1:\(listener.port)/callback")
        var configuration = LoopbackListener.Configuration()
        configuration.address = .ipv6
        configuration.path = "/oauth/done"
        let v6 = try LoopbackListener(configuration)
        #expect(v6.redirectURI == "http://[::1]:\(v6.port)/oauth/done")
    }

    @Test func takenPortsFallBackThenFail() throws {
        let first = try LoopbackListener()
        var configuration = LoopbackListener.Configuration()
        configuration.ports = [first.port]
        #expect(throws: PKCEError.self) { try LoopbackListener(configuration) }
        do { _ = try LoopbackListener(configuration) } catch { #expect(error.code == .portInUse) }
        // The taken port first, then a free one (the kernel's pick, now released).
        let free = try LoopbackListener().port
        configuration.ports = [first.port, free]
        let second = try LoopbackListener(configuration)
        #expect(second.port == free)
    }

    @Test func badPathsAreRefused() {
        for path in ["callback", "/a b", "/a?b", "/a#b", "/\u{7f}"] {
            var configuration = LoopbackListener.Configuration()
            configuration.path = path
            #expect(throws: PKCEError(.invalidArgument, "the listener path must start with '/' and hold only URL path characters")) {
                try LoopbackListener(configuration)
            }
        }
    }

    @Test func strayRequestsDoNotEndTheWait() throws {
        let listener = try LoopbackListener()
        let attempt = try Self.attempt()
        let port = listener.port, state = attempt.state.string
        let answers = Answers()
        let thread = Self.meanwhile {
            answers.add(Self.get("/favicon.ico", port: port))
            answers.add(Self.get("/callback?code=forged&state=wrong", port: port))
            answers.add(Self.send("junk\r\n\r\n", to: port))
            answers.add(Self.get("/callback?code=the-code&state=\(state)", port: port))
        }
        try listener.waitForCallback(attempt, timeoutMilliseconds: 10_000)
        while !thread.isFinished { usleep(1000) }
        #expect(attempt.code?.string == "the-code")
        let all = answers.all
        #expect(all.count == 4)
        #expect(all[0].hasPrefix("HTTP/1.1 404"))
        #expect(all[1].hasPrefix("HTTP/1.1 400") && !all[1].contains("forged"))
        #expect(all[2].hasPrefix("HTTP/1.1 400"))
        #expect(all[3].hasPrefix("HTTP/1.1 200") && all[3].contains("Signed in") && !all[3].contains("the-code"))
    }

    @Test func deniedConsentEndsTheWaitWithAnEscapedPage() throws {
        let listener = try LoopbackListener()
        let attempt = try Self.attempt()
        let port = listener.port, state = attempt.state.string
        let answers = Answers()
        let thread = Self.meanwhile {
            answers.add(Self.get("/callback?error=access_denied&error_description=%3Cscript%3Ex%3C%2Fscript%3E&state=\(state)",
                                 port: port))
        }
        #expect(throws: PKCEError.self) { try listener.waitForCallback(attempt, timeoutMilliseconds: 10_000) }
        while !thread.isFinished { usleep(1000) }
        let page = answers.all.first ?? ""
        #expect(page.contains("access_denied") && page.contains("&lt;script&gt;") && !page.contains("<script>"))
    }

    @Test func startURLRedirectsOnceThenEndsTheWait() throws {
        let listener = try LoopbackListener()
        let attempt = try Self.attempt()
        let authorization = try attempt.authorizationURL()
        let start = try listener.startURL(for: authorization)
        let prefix = "http://127.0.0.1:\(listener.port)/"
        #expect(start.hasPrefix(prefix) && start.utf8.count == prefix.utf8.count + 43)
        #expect(try listener.startURL(for: authorization) != start)  // each call a fresh one
        let path = String(try listener.startURL(for: authorization).dropFirst(prefix.count - 1))
        let port = listener.port
        let answers = Answers()
        let thread = Self.meanwhile {
            answers.add(Self.get(path, port: port))
            answers.add(Self.get(path, port: port))
        }
        do { try listener.waitForCallback(attempt, timeoutMilliseconds: 10_000); Issue.record("not ended") } catch {
            #expect(error.code == .signInRaced)
        }
        while !thread.isFinished { usleep(1000) }
        let all = answers.all
        #expect(all.count == 2)
        #expect(all[0].hasPrefix("HTTP/1.1 302") && all[0].contains("\r\nLocation: \(authorization)\r\n"))
        #expect(all[1].hasPrefix("HTTP/1.1 403") && !all[1].contains("Location"))
        #expect(throws: PKCEError.self) { try listener.startURL(for: "http://as.example/a") }
    }

    @Test func onlyTheListenersOwnHostIsServed() throws {
        let listener = try LoopbackListener()
        let attempt = try Self.attempt()
        let port = listener.port, state = attempt.state.string
        let answers = Answers()
        let thread = Self.meanwhile {
            for host in ["rebound.example:\(port)", "localhost:\(port)", "127.0.0.1", "127.0.0.1:\(port + 1)", ""] {
                answers.add(Self.get("/callback?code=c&state=\(state)", port: port, host: host))
            }
            answers.add(Self.send("GET /callback?code=c&state=\(state) HTTP/1.1\r\n\r\n", to: port))
            answers.add(Self.get("/callback?code=the-code&state=\(state)", port: port, host: "127.0.0.1:\(port)"))
        }
        try listener.waitForCallback(attempt, timeoutMilliseconds: 10_000)
        while !thread.isFinished { usleep(1000) }
        let all = answers.all
        #expect(all.count == 7)
        #expect(all.dropLast().allSatisfy { $0.hasPrefix("HTTP/1.1 421") })
        #expect(attempt.code?.string == "the-code")
    }

    @Test func aResponseOfThisAttemptWithAWrongIssuerEndsTheWait() throws {
        var client = try ClientConfiguration(clientID: "app", redirectURI: "http://127.0.0.1:1/callback")
        try client.setAuthorizationEndpoint("https://as.example/authorize")
        try client.setTokenEndpoint("https://as.example/token")
        try client.setIssuer("https://as.example", required: true)
        let attempt = try AuthorizationAttempt(client: client)
        let listener = try LoopbackListener()
        let port = listener.port, state = attempt.state.string
        let answers = Answers()
        let thread = Self.meanwhile {
            // Another attempt's, with an issuer: told nothing, not even ours.
            answers.add(Self.get("/callback?code=c&state=other&iss=https%3A%2F%2Fevil.example", port: port))
            answers.add(Self.get("/callback?code=c&state=\(state)&iss=https%3A%2F%2Fevil.example", port: port))
        }
        do { try listener.waitForCallback(attempt, timeoutMilliseconds: 10_000); Issue.record("not ended") } catch {
            #expect(error.code == .issuerMismatch)
        }
        while !thread.isFinished { usleep(1000) }
        let all = answers.all
        #expect(all.count == 2 && all[0].hasPrefix("HTTP/1.1 400") && !all[0].contains("as.example"))
    }

    @Test func timeoutAndCancel() throws {
        let listener = try LoopbackListener()
        let attempt = try Self.attempt()
        do { try listener.waitForCallback(attempt, timeoutMilliseconds: 200); Issue.record("no timeout") } catch {
            #expect(error.code == .signInTimeout)
        }
        let thread = Self.meanwhile { usleep(100_000); listener.cancel() }
        do { try listener.waitForCallback(attempt, timeoutMilliseconds: 10_000); Issue.record("not cancelled") } catch {
            #expect(error.code == .cancelled)
        }
        while !thread.isFinished { usleep(1000) }
    }

    @Test func pagesAreEscaped() {
        #expect(ListenerPages.escaped("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        let page = ListenerPages(error: "E={error} D={error_description} {other}").error("bad<", nil)
        #expect(page == "E=bad&lt; D= {other}")
        // A value that holds a placeholder's name is not filled in again.
        #expect(ListenerPages(error: "{error}|{error_description}").error("{error_description}", "d") == "{error_description}|d")
    }
}

/// Answers collected by a client thread.
final class Answers: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ answer: String) { lock.withLock { list.append(answer) } }
    var all: [String] { lock.withLock { list } }
}
