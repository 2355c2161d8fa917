#if canImport(Glibc)
import Glibc
#endif
import PKCE

/// Receives the authorization response of a native app on a loopback
/// address (RFC 8252 7.3, 8.3): binds 127.0.0.1 or [::1], never another
/// address, on a port the kernel picks or the first free one of a list,
/// and waits for the one request that carries this sign-in's response.
///
/// The browser is handed a one-time start URL (`startURL(for:)`) that
/// redirects to the authorization URL, so the browser's argument vector,
/// which every local user can read, carries nothing about the attempt.
///
/// Everything else is answered and forgotten: a request whose `Host` is not
/// the listener's own address and port gets 421 (a page on a DNS-rebinding
/// domain reads nothing), other paths get 404, a response whose state is not
/// this attempt's (another sign-in's, or forged) gets a generic error page
/// and the wait goes on, so that a hostile page cannot end the sign-in.
/// Connections are served
/// from one poll loop with a size and a time limit each, so junk, silent,
/// slow or many connections cannot hold up the browser's real request.
///
/// `cancel()` may be called from any other thread; everything else is for
/// one thread at a time. The socket is closed when the listener is released.
public final class LoopbackListener: @unchecked Sendable {
    public enum Address: Sendable {
        case ipv4  // 127.0.0.1
        case ipv6  // [::1]
    }

    public struct Configuration: Sendable {
        public var address = Address.ipv4
        /// Ports to try, in order; empty lets the kernel pick a free one.
        public var ports: [UInt16] = []
        /// The path of the redirect URI: "/" and then URL path characters.
        public var path = "/callback"
        public var pages = ListenerPages()

        public init() {}

        /// The configuration that binds `redirectURI` again, one this
        /// library's listener made (`http://127.0.0.1:PORT/PATH` or
        /// `[::1]`): for a client registered with that exact URI. nil for
        /// any other URI.
        public init?(reusing redirectURI: String) {
            for (prefix, address) in [("http://127.0.0.1:", Address.ipv4), ("http://[::1]:", Address.ipv6)]
            where redirectURI.hasPrefix(prefix) {
                let rest = redirectURI.dropFirst(prefix.count)
                guard let slash = rest.firstIndex(of: "/"), let port = UInt16(rest[..<slash]), port > 0 else { return nil }
                self.address = address
                ports = [port]
                path = String(rest[slash...])
                return
            }
            return nil
        }
    }

    /// Requests (the request line and headers) larger than this are refused.
    static let maxRequestBytes = 8192
    /// Connections served at once; the oldest is dropped to make room.
    static let maxConnections = 64
    /// How long one connection may take to send its request.
    static let connectionMilliseconds = 10_000

    public let port: UInt16
    /// `http://127.0.0.1:PORT/PATH` (or `[::1]`): the redirect URI of the bound port.
    public let redirectURI: String
    /// The same, with a NUL after it, for the C layer to lend.
    package let redirectURIBytes: SecureBytes
    /// The pages answered; may change between waits.
    public var pages: ListenerPages
    private let configuration: Configuration
    private let socket: Int32
    private let cancellation: Cancellation
    /// The Host header values that name this listener.
    private let hosts: [String]
    /// The start URL's path and where it leads, made when the browser asks
    /// (a pushed request may have to be pushed again by then); `startServed` once answered.
    private var start: (path: String, target: () throws(PKCEError) -> String)?
    /// Whether the start URL was requested (a second request ends the wait).
    public private(set) var startServed = false

    public init(_ configuration: Configuration = Configuration()) throws(PKCEError) {
        try Self.checkPath(configuration.path)
        cancellation = try Cancellation()
        let (socket, port) = try Self.bind(configuration)
        let host = configuration.address == .ipv4 ? "127.0.0.1" : "[::1]"
        let uri = "http://\(host):\(port)\(configuration.path)"
        // Nothing may fail once the socket is stored: a failed init runs no deinit.
        do { redirectURIBytes = try SecureBytes(uri) } catch {
            close(socket)
            throw error
        }
        redirectURI = uri
        hosts = port == 80 ? [host, "\(host):\(port)"] : ["\(host):\(port)"]
        self.configuration = configuration
        pages = configuration.pages
        self.socket = socket
        self.port = port
    }

    deinit { close(socket) }

    /// A one-time URL on this listener, `http://127.0.0.1:PORT/` and 256
    /// random bits, answered once with a redirect to `authorizationURL`:
    /// what the browser is handed instead of the authorization URL, whose
    /// state, challenge and redirect URI would otherwise sit in the browser
    /// program's argument vector (/proc/PID/cmdline), readable by every local
    /// user. A second request for it means someone raced the browser to it:
    /// `waitForCallback` then ends with `.signInRaced`. Each call replaces
    /// the previous start URL.
    public func startURL(for authorizationURL: String) throws(PKCEError) -> String {
        try URLRules.browserURL(authorizationURL)
        return try startURL { authorizationURL }
    }

    /// `startURL(for:)` whose target is made when the browser requests the
    /// start URL: a URL checked then as `startURL(for:)` checks it, or an
    /// error, which the browser is shown and which ends the wait.
    public func startURL(making target: @escaping () throws(PKCEError) -> String) throws(PKCEError) -> String {
        let path = "/" + (try PKCE.randomString(length: 43))
        start = (path, target)
        startServed = false
        return "http://\(hosts[hosts.count - 1])\(path)"
    }

    /// Ends a `waitForCallback` running on another thread with `.cancelled`
    /// (or the next one, when none is running yet). Safe from any thread.
    public func cancel() { cancellation.cancel() }

    /// Waits up to `timeoutMilliseconds` for the redirect that completes
    /// `attempt`, which then holds the authorization code. Ends early once
    /// the state of a response showed it is this attempt's and the response
    /// fails (the server's OAuth error such as `access_denied`, a wrong or
    /// missing `iss`, no code), and when the start URL is requested twice. `tick` runs at least every
    /// quarter second while waiting (the sign-in uses it to watch the browser).
    public func waitForCallback(_ attempt: AuthorizationAttempt, timeoutMilliseconds: Int, log: Log? = nil,
                                tick: () -> Void = {}) throws(PKCEError) {
        try wait(for: attempt, timeoutMilliseconds: timeoutMilliseconds, log: log, tick: tick)
    }

    /// Waits the same way for the redirect back after a sign-out (its
    /// post-logout redirect URI), checked by `logout`; its state must match.
    public func waitForCallback(_ logout: LogoutAttempt, timeoutMilliseconds: Int, log: Log? = nil,
                                tick: () -> Void = {}) throws(PKCEError) {
        try wait(for: logout, timeoutMilliseconds: timeoutMilliseconds, log: log, tick: tick)
    }

    /// Waits only until the browser has fetched the start URL (and been sent
    /// on): for a sign-out that expects no redirect back, whose URL must still
    /// not sit in the browser program's argument vector.
    public func waitForStart(timeoutMilliseconds: Int, log: Log? = nil, tick: () -> Void = {}) throws(PKCEError) {
        guard start != nil else { throw PKCEError(.invalidArgument, "no start URL: call startURL(for:) first") }
        try wait(for: nil, timeoutMilliseconds: timeoutMilliseconds, log: log, tick: tick)
    }

    /// Serves requests until `attempt` accepts its redirect, or, with no
    /// attempt, until the start URL is served.
    private func wait(for attempt: (any RedirectReceiver)?, timeoutMilliseconds: Int, log: Log?,
                      tick: () -> Void) throws(PKCEError) {
        guard timeoutMilliseconds > 0 else { throw PKCEError(.invalidArgument, "timeout must be positive") }
        let deadline = Cancellation.now() + timeoutMilliseconds
        log?(.info, "listener: waiting on \(redirectURI) for up to \(timeoutMilliseconds) ms")
        var connections: [Connection] = []
        var fds: [pollfd] = []
        while true {
            tick()
            let now = Cancellation.now()
            connections.removeAll { connection in
                guard now >= connection.deadline else { return false }
                log?(.debug, "listener: dropped a connection that sent no complete request in time")
                return true
            }
            guard now < deadline else {
                log?(.warning, "listener: no sign-in response within \(timeoutMilliseconds) ms")
                throw PKCEError(.signInTimeout, "no sign-in response reached \(redirectURI) within \(timeoutMilliseconds) ms")
            }
            let wake = connections.reduce(min(deadline, now + 250)) { min($0, $1.deadline) }
            fds.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: cancellation.fd, events: Int16(POLLIN), revents: 0))
            fds.append(pollfd(fd: socket, events: Int16(POLLIN), revents: 0))
            for connection in connections { fds.append(pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(max(wake - now, 0)))
            if ready < 0 && errno != EINTR { throw Self.systemError("poll") }
            guard ready > 0 else { continue }
            if fds[0].revents != 0 {
                log?(.info, "listener: cancelled")
                throw PKCEError(.cancelled)
            }
            // The ready connections, before `accept` changes the list.
            let readable = connections.indices.filter { fds[$0 + 2].revents != 0 }.map { connections[$0] }
            if fds[1].revents != 0 { accept(into: &connections, log: log) }
            for connection in readable {
                switch try serve(connection, attempt, log: log) {
                case .waiting: continue
                case .done: connections.removeAll { $0 === connection }
                case .started where attempt == nil: return
                case .started: connections.removeAll { $0 === connection }
                case .signedIn: return
                }
            }
        }
    }

    // MARK: connections

    private enum Outcome { case waiting, done, started, signedIn }

    private func accept(into connections: inout [Connection], log: Log?) {
        while true {
            // accept4 is not in Swift's Glibc module; the flags follow at once.
            let fd = Glibc.accept(socket, nil, nil)
            guard fd >= 0 else { return }  // EAGAIN: none left (other errors: the client is gone)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
            guard let connection = Connection(fd: fd, deadline: Cancellation.now() + Self.connectionMilliseconds) else {
                close(fd)
                return
            }
            if connections.count == Self.maxConnections {
                log?(.debug, "listener: \(Self.maxConnections) connections open; dropped the oldest")
                connections.removeFirst()
            }
            connections.append(connection)
        }
    }

    /// Reads what `connection` sent and, once its request is complete, answers it.
    private func serve(_ connection: Connection, _ attempt: (any RedirectReceiver)?, log: Log?) throws(PKCEError) -> Outcome {
        switch connection.read() {
        case .closed:
            return .done
        case .tooLarge:
            log?(.debug, "listener: refused a request larger than \(Self.maxRequestBytes) bytes")
            connection.respond(431, "Request Header Fields Too Large", ListenerPages.notFound)
            return .done
        case .incomplete:
            return .waiting
        case .complete(let target, let host):
            return try answer(connection, target: target, host: host, attempt, log: log)
        }
    }

    private func answer(_ connection: Connection, target: UnsafeBufferPointer<UInt8>?, host: String?,
                        _ attempt: (any RedirectReceiver)?, log: Log?) throws(PKCEError) -> Outcome {
        guard let target else {
            log?(.debug, "listener: refused a request that is not a GET")
            connection.respond(400, "Bad Request", ListenerPages.notFound)
            return .done
        }
        guard let host, hosts.contains(host) else {
            log?(.warning, "listener: 421 for Host \(PKCEError.printable(host ?? "(none)")), not this listener's")
            connection.respond(421, "Misdirected Request", ListenerPages.notFound)
            return .done
        }
        let pathEnd = target.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? target.endIndex
        let path = String(decoding: UnsafeBufferPointer(rebasing: target[..<pathEnd]), as: UTF8.self)
        if let start, path == start.path {
            guard !startServed else {
                log?(.error, "listener: the start URL was requested twice; another program may have raced the browser")
                connection.respond(403, "Forbidden", pages.error("access_denied", Self.raced))
                throw PKCEError(.signInRaced, Self.raced)
            }
            startServed = true
            let location: String
            do {
                location = try start.target()
                try URLRules.browserURL(location)
            } catch {
                connection.respond(502, "Bad Gateway", pages.error("temporarily_unavailable", error.message))
                throw error
            }
            log?(.info, "listener: sent the browser on to the authorization URL")
            connection.respond(302, "Found", ListenerPages.redirecting, location: location)
            return .started
        }
        guard path == configuration.path, let attempt else {
            log?(.debug, "listener: 404 for GET \(PKCEError.printable(path))")
            connection.respond(404, "Not Found", ListenerPages.notFound)
            return .done
        }
        var ours = false
        do {
            try attempt.handleCallback(target, ours: &ours)
        } catch {
            // The state matched: this is our sign-in's answer, and it failed.
            if ours {
                log?(.warning, "listener: the sign-in response is an error: \(error)")
                let reason = error.oauth.map { ($0.error, $0.description) } ?? ("invalid_response", error.message)
                connection.respond(200, "OK", pages.error(reason.0, reason.1))
                throw error
            }
            // Not shown to be ours: another sign-in's, stale or forged. Keep
            // waiting, and tell its sender nothing (not even the issuer).
            log?(.warning, "listener: refused a response on \(configuration.path) and kept waiting: \(error.message)")
            connection.respond(400, "Bad Request", pages.error("invalid_request", Self.notOurs))
            return .done
        }
        log?(.info, "listener: the response was accepted")
        connection.respond(200, "OK", pages.success)
        return .signedIn
    }

    static let raced = "the sign-in's start URL was opened twice: another program may have raced the browser to it"
    static let notOurs = "This is not the response of a sign-in in progress here."

    // MARK: setting up

    private static func checkPath(_ path: String) throws(PKCEError) {
        let allowed: (UInt8) -> Bool = { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || "-._~!$&'()*+,;=:@/%".utf8.contains(b)
        }
        guard path.utf8.first == UInt8(ascii: "/"), path.utf8.allSatisfy(allowed) else {
            throw PKCEError(.invalidArgument, "the listener path must start with '/' and hold only URL path characters")
        }
    }

    /// A listening socket on the first port of `configuration.ports` that is
    /// free (or one the kernel picks), and the port it got.
    private static func bind(_ configuration: Configuration) throws(PKCEError) -> (Int32, UInt16) {
        let family = configuration.address == .ipv4 ? AF_INET : AF_INET6
        let candidates: [UInt16] = configuration.ports.isEmpty ? [0] : configuration.ports
        for port in candidates {
            let fd = Glibc.socket(family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { throw systemError("socket") }
            var on: Int32 = 1
            // Lets a fixed port be bound again while an earlier run's connections
            // linger in TIME_WAIT; on Linux it never lets two sockets listen at once.
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            if family == AF_INET6 { _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &on, socklen_t(MemoryLayout<Int32>.size)) }
            let bound = withLoopbackAddress(family, port) { address, length in Glibc.bind(fd, address, length) }
            if bound == 0 && listen(fd, 64) == 0, let actual = boundPort(fd) { return (fd, actual) }
            let reason = errno
            close(fd)
            guard reason == EADDRINUSE || reason == EACCES else { throw systemError("bind", reason) }
        }
        let which = candidates.count == 1 ? "port \(candidates[0]) is" : "ports \(describe(candidates)) are all"
        throw PKCEError(.portInUse, "\(which) in use (or reserved)")
    }

    private static func withLoopbackAddress(_ family: Int32, _ port: UInt16,
                                            _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        if family == AF_INET {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(INADDR_LOOPBACK).bigEndian
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = port.bigEndian
        address.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
    }

    private static func boundPort(_ fd: Int32) -> UInt16? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard ok == 0 else { return nil }
        return withUnsafePointer(to: &storage) { pointer -> UInt16 in
            if Int32(pointer.pointee.ss_family) == AF_INET {
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
        }
    }

    /// "8765-8767" for a run, "8765, 9000" otherwise.
    private static func describe(_ ports: [UInt16]) -> String {
        if let first = ports.first, let last = ports.last, ports.count > 2,
           zip(ports, ports.dropFirst()).allSatisfy({ $1 == $0 &+ 1 }) {
            return "\(first)-\(last)"
        }
        return ports.map(String.init).joined(separator: ", ")
    }

    private static func systemError(_ call: String, _ code: Int32 = errno) -> PKCEError {
        PKCEError(.listener, "\(call) failed: \(String(cString: strerror(code)))")
    }
}

/// One accepted connection: what it sent so far, in memory that is wiped
/// on release (the request line holds the code and state).
private final class Connection {
    enum Read {
        case incomplete
        case closed
        case tooLarge
        /// The request is complete: its target, or nil when it is not a GET,
        /// and its one Host header (nil when absent or repeated).
        case complete(UnsafeBufferPointer<UInt8>?, host: String?)
    }

    let fd: Int32
    let deadline: Int
    private let buffer: UnsafeMutablePointer<UInt8>
    private var count = 0

    init?(fd: Int32, deadline: Int) {
        guard let raw = malloc(LoopbackListener.maxRequestBytes) else { return nil }
        self.fd = fd
        self.deadline = deadline
        buffer = raw.assumingMemoryBound(to: UInt8.self)
    }

    deinit {
        wipe(buffer, count)
        free(buffer)
        close(fd)
    }

    func read() -> Read {
        let room = LoopbackListener.maxRequestBytes - count
        let n = recv(fd, buffer + count, room, 0)
        if n < 0 { return errno == EAGAIN || errno == EINTR ? .incomplete : .closed }
        if n == 0 { return .closed }
        count += n
        let received = UnsafeBufferPointer(start: buffer, count: count)
        guard let headEnd = LoopbackRequest.headEnd(received) else {
            return count == LoopbackListener.maxRequestBytes ? .tooLarge : .incomplete
        }
        let request = LoopbackRequest(head: UnsafeBufferPointer(rebasing: received[..<headEnd]))
        return .complete(request.target, host: request.host)
    }

    /// Sends a whole answer and closes the connection: the page is small
    /// enough for the socket's buffer, so a short wait covers a slow reader.
    func respond(_ status: Int, _ reason: String, _ page: String, location: String? = nil) {
        let head = "HTTP/1.1 \(status) \(reason)\r\n" + (location.map { "Location: \($0)\r\n" } ?? "")
            + "Content-Type: text/html; charset=utf-8\r\n"
            + "Content-Length: \(page.utf8.count)\r\nConnection: close\r\nCache-Control: no-store\r\n"
            + "Referrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n"
            + "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\r\n"
        var message = Array((head + page).utf8)
        var sent = 0
        let giveUp = Cancellation.now() + 1000
        while sent < message.count && Cancellation.now() < giveUp {
            let n = message.withUnsafeMutableBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            guard n < 0 && errno == EAGAIN else { break }
            var out = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&out, 1, 100)
        }
        shutdown(fd, Int32(SHUT_WR))
        message.removeAll()
    }
}
