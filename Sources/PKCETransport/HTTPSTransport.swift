#if canImport(Glibc)
import Glibc
#endif
import CLibcurl
import PKCE

/// How the built-in HTTPS client connects. TLS peer and host verification
/// are always on; there is no option to turn them off.
public struct TransportOptions: Sendable {
    /// A PEM file of trusted CAs; nil uses the system's.
    public var caFile: String?
    /// A directory of hashed CA certificates; nil uses the system's.
    public var caPath: String?
    public var connectTimeoutMilliseconds = 10_000
    public var totalTimeoutMilliseconds = 30_000
    /// Allows plain http, and then only to loopback hosts (endpoints are
    /// checked for that when they are set). For tests and local servers.
    public var allowsLoopbackHTTP = false
    /// The most idle connections kept for reuse. As many are kept as were
    /// in use at once (so threads that share a client find their kept-alive
    /// connections again after a burst), up to this bound.
    public var maxIdleConnections = 256

    public init() {}
}

/// HTTPS for one client, safe to use from many threads at once.
///
/// Each transfer checks a libcurl easy handle out of a small pool and puts
/// it back when done, so concurrent transfers never wait for one another,
/// and a thread that transfers again usually gets the handle it used last,
/// with its kept-alive connection (last in, first out). TLS sessions and
/// DNS answers are shared between the handles through a share handle;
/// connections are not, as libcurl does not support that across threads.
final class HTTPSTransport: @unchecked Sendable {
    // Everything below is guarded by `mutex`, which serves better than
    // run-time exclusivity checks: those are off for the properties each
    // transfer reads.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var currentOptions = TransportOptions()
    /// Bumped whenever the options change: a handle configured under older
    /// options is cleaned up instead of reused.
    private var generation = 0
    @exclusivity(unchecked) private var idle: [EasyHandle] = []
    /// Transfers under way, and the most there have been at once: the
    /// handles kept idle. Closing those beyond a fixed few made every
    /// thread past them open a new TLS connection per transfer (a shared
    /// client fell to 1.45x of a client per thread at 128 threads).
    @exclusivity(unchecked) private var inUse = 0
    @exclusivity(unchecked) private var peakInUse = 0
    private var share: OpaquePointer?
    /// One header list per kind of request, made on first use and only read
    /// afterwards (by any number of handles at once): the headers of a kind never change.
    /// Each kind's fixed header lines, with the library's User-Agent and without (see `headerList`).
    @exclusivity(unchecked) private var headerLists = [UnsafeMutablePointer<curl_slist>?](repeating: nil, count: 2 * HTTPRequest.Kind.allCases.count)

    init() {
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        idle.removeAll()  // easy handles go before the share and the header lists they point to
        lpk_curl_share_free(share)
        headerLists.forEach { lpk_curl_slist_free_all($0) }
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    var options: TransportOptions {
        get { locked { currentOptions } }
        set {
            let stale = locked {
                currentOptions = newValue
                generation += 1
                defer { idle.removeAll() }
                return idle
            }
            withExtendedLifetime(stale) {}  // the old handles are cleaned up here, outside the lock
        }
    }

    private func locked<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    func send(_ request: HTTPRequest) throws(PKCEError) -> HTTPResponse {
        let (handle, headers) = try checkOut(request)
        defer { checkIn(handle) }
        return try handle.perform(request, headers: headers)
    }

    /// An idle handle configured with the current options, or a new one.
    /// Plain http is refused first, before libcurl is even loaded (a
    /// handle's CURLOPT_PROTOCOLS_STR would refuse it again).
    private func checkOut(_ request: HTTPRequest) throws(PKCEError) -> (EasyHandle, UnsafeMutablePointer<curl_slist>) {
        let plainHTTP = request.urlBytes.buffer.hasPrefix(ignoringASCIICase: "http:")
        return try locked { () throws(PKCEError) in
            if plainHTTP && !currentOptions.allowsLoopbackHTTP {
                throw PKCEError(.urlInsecure, "plain http is refused unless loopback http is allowed")
            }
            try Libcurl.ready()
            let headers = try headerList(for: request.kind, userAgent: !request.namesUserAgent)
            let handle = if let reused = idle.popLast() { reused } else {
                try EasyHandle(currentOptions, generation: generation, share: sharedData())
            }
            inUse += 1
            peakInUse = max(peakInUse, inUse)
            return (handle, headers)
        }
    }

    /// A handle not kept is cleaned up when the caller's reference goes, outside the lock.
    private func checkIn(_ handle: EasyHandle) {
        locked {
            inUse -= 1
            if handle.generation == generation, idle.count < min(peakInUse, currentOptions.maxIdleConnections) {
                idle.append(handle)
            }
        }
    }

    /// The share handle, made with the first easy handle. Under the mutex.
    private func sharedData() throws(PKCEError) -> OpaquePointer {
        if let share { return share }
        guard let made = lpk_curl_share_new() else { throw PKCEError(.outOfMemory, "curl_share_init failed") }
        share = made
        return made
    }

    /// libcurl writes each line of a header list through its printf, a byte
    /// at a time (about 130 instructions a byte). This line it also writes
    /// itself, as a copy, for a POST it is given the body of and whose list
    /// names no Content-Type: left out of the list, the same bytes go out
    /// for a twentieth less of an exchange's work.
    private static let libcurlsOwnContentType = HTTPRequest.Kind.formContentType.line

    /// The User-Agent goes in the list rather than through CURLOPT_USERAGENT,
    /// which libcurl formats into the request twice, byte by byte, each
    /// time: a twentieth of its own work on an exchange. Under the mutex.
    private func headerList(for kind: HTTPRequest.Kind, userAgent: Bool) throws(PKCEError) -> UnsafeMutablePointer<curl_slist> {
        let index = 2 * kind.rawValue + (userAgent ? 1 : 0)
        if let list = headerLists[index] { return list }
        var list: UnsafeMutablePointer<curl_slist>?
        let lines = kind.headers.map(\.line).filter { !(kind.hasBody && $0 == Self.libcurlsOwnContentType) }
        // "Expect:" turns off the 100-continue round trip.
        for line in lines + (userAgent ? ["User-Agent: libpkce/\(libpkceVersion)"] : []) + ["Expect:"] {
            // On failure curl_slist_append returns NULL and leaves the list as it was.
            guard let longer = lpk_curl_slist_append(list, line) else {
                lpk_curl_slist_free_all(list)
                throw PKCEError(.outOfMemory)
            }
            list = longer
        }
        guard let list else { throw PKCEError(.outOfMemory) }  // never: the loop appends at least "Expect:"
        headerLists[index] = list
        return list
    }
}

/// One libcurl easy handle, configured once, used by one transfer at a time.
private final class EasyHandle {
    let handle: UnsafeMutableRawPointer
    let generation: Int
    /// libcurl's CURLOPT_ERRORBUFFER, for the life of the handle.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// The URL the handle holds, so that an unchanged one is not set (and parsed) again.
    @exclusivity(unchecked) private var handleURL: [UInt8] = []  // one transfer at a time uses a handle
    /// The handle's open sockets, whose ACKs go out at once when a server may wait for them.
    let sockets: OpaquePointer
    /// Where libcurl's callbacks put each answer: set on the handle once, not per transfer.
    private let sink = ResponseSink()

    init(_ options: TransportOptions, generation: Int, share: OpaquePointer) throws(PKCEError) {
        guard let h = lpk_curl_easy_init() else { throw PKCEError(.outOfMemory, "curl_easy_init failed") }
        guard let sockets = lpk_curl_track_sockets(h, HTTPResponse.maxHeaderBytes) else {
            lpk_curl_easy_cleanup(h)
            throw PKCEError(.outOfMemory, "no memory to track the handle's sockets")
        }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        guard Self.configure(h, options, errorBuffer: errorBuffer, share: share, sink: sink) else {
            lpk_curl_easy_cleanup(h)
            lpk_sockets_free(sockets)
            errorBuffer.deallocate()
            throw PKCEError(.transport, "libcurl refused an option libpkce sets on every handle")
        }
        handle = h
        self.sockets = sockets
        self.errorBuffer = errorBuffer
        self.generation = generation
    }

    private static func configure(_ h: UnsafeMutableRawPointer, _ o: TransportOptions,
                                  errorBuffer: UnsafeMutablePointer<CChar>, share: OpaquePointer, sink: ResponseSink) -> Bool {
        var ok = lpk_curl_set_long(h, CURLOPT_NOSIGNAL, 1) == CURLE_OK
        ok = ok && lpk_curl_set_long(h, CURLOPT_SSL_VERIFYPEER, 1) == CURLE_OK
        ok = ok && lpk_curl_set_long(h, CURLOPT_SSL_VERIFYHOST, 2) == CURLE_OK
        // A token endpoint that redirects is refused, never followed: a redirect
        // would carry the code and verifier to wherever the server points.
        ok = ok && lpk_curl_set_long(h, CURLOPT_FOLLOWLOCATION, 0) == CURLE_OK
        ok = ok && lpk_curl_set_string(h, CURLOPT_PROTOCOLS_STR, o.allowsLoopbackHTTP ? "https,http" : "https") == CURLE_OK
        ok = ok && lpk_curl_set_long(h, CURLOPT_CONNECTTIMEOUT_MS, max(o.connectTimeoutMilliseconds, 1)) == CURLE_OK
        ok = ok && lpk_curl_set_long(h, CURLOPT_TIMEOUT_MS, max(o.totalTimeoutMilliseconds, 1)) == CURLE_OK
        ok = ok && lpk_curl_set_offset(h, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(HTTPResponse.maxBodyBytes)) == CURLE_OK
        ok = ok && lpk_curl_set_long(h, CURLOPT_TCP_KEEPALIVE, 1) == CURLE_OK
        ok = ok && lpk_curl_set_write_function(h, receiveBody) == CURLE_OK
        // The handle owns the sink, so the pointer never outlives it.
        ok = ok && lpk_curl_set_pointer(h, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque()) == CURLE_OK
        ok = ok && lpk_curl_set_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer) == CURLE_OK
        ok = ok && lpk_curl_set_pointer(h, CURLOPT_SHARE, UnsafeMutableRawPointer(lpk_curl_share_handle(share))) == CURLE_OK
        ok = ok && lpk_curl_set_tls_hardening(h) == CURLE_OK
        if let caFile = o.caFile { ok = ok && lpk_curl_set_string(h, CURLOPT_CAINFO, caFile) == CURLE_OK }
        if let caPath = o.caPath { ok = ok && lpk_curl_set_string(h, CURLOPT_CAPATH, caPath) == CURLE_OK }
        return ok
    }

    deinit {
        lpk_curl_easy_cleanup(handle)  // closes the sockets through the tracker first
        lpk_sockets_free(sockets)
        errorBuffer.deallocate()
    }

    // The rare branches (a new URL, a renamed method, a failure) are marked
    // as such, so that the compiler lays the common path out in a row: every
    // exchange runs this from cold caches (docs/architecture.md, "Code layout").
    func perform(_ request: HTTPRequest, headers: UnsafeMutablePointer<curl_slist>) throws(PKCEError) -> HTTPResponse {
        let h = handle
        let url = request.urlBytes
        if _slowPath(!handleURL.withUnsafeBufferPointer({ url.buffer.sameBytes(as: $0) })) {
            guard lpk_curl_set_string(h, CURLOPT_URL, url.cString) == CURLE_OK else {
                throw PKCEError(.outOfMemory, "libcurl could not take the URL")
            }
            handleURL = Array(url.buffer)
        }

        // A request with extra headers (a bearer token, a DPoP proof) puts them in
        // front of the kind's shared list, and takes them off, wiped, after the transfer.
        let ownHeaders = request.extraHeaders.isEmpty ? nil : try Self.headers(request.extraHeaders, before: headers)
        defer {
            if let ownHeaders {
                ownHeaders.last.pointee.next = nil
                Self.wipeAndFree(ownHeaders.first)
            }
        }
        try sink.begin()
        defer { sink.end() }
        lpk_sockets_begin_transfer(sockets)
        errorBuffer[0] = 0
        let code = request.body.withBytes { body in
            _ = lpk_curl_set_pointer(h, CURLOPT_HTTPHEADER, ownHeaders?.first ?? headers)
            if !request.kind.hasBody {
                _ = lpk_curl_set_long(h, CURLOPT_HTTPGET, 1)
            } else {
                _ = lpk_curl_set_offset(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                _ = lpk_curl_set_pointer(h, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: body.baseAddress))
            }
            // PUT, PATCH and DELETE go as a POST with its body under another method name.
            let custom = request.kind.renamesPOST
            if _slowPath(custom) {
                _ = lpk_curl_set_string(h, CURLOPT_CUSTOMREQUEST, UnsafeRawPointer(request.kind.method.utf8Start).assumingMemoryBound(to: CChar.self))
            }
            defer { if custom { _ = lpk_curl_set_string(h, CURLOPT_CUSTOMREQUEST, nil) } }
            let code = lpk_curl_easy_perform(h)
            // The handle outlives this call: leave it no pointer into memory that is about to go.
            _ = lpk_curl_set_pointer(h, CURLOPT_POSTFIELDS, nil)
            _ = lpk_curl_set_pointer(h, CURLOPT_HTTPHEADER, nil)
            return code
        }
        var status = 0
        var responseCode = 0
        if lpk_curl_get_long(h, CURLINFO_RESPONSE_CODE, &responseCode) == CURLE_OK { status = responseCode }
        guard _fastPath(code == CURLE_OK) else {
            let detail = String(cString: errorBuffer)
            throw Self.error(for: code, overflowed: sink.overflowed, headersTooLarge: lpk_sockets_headers_too_large(sockets) != 0,
                             detail: detail, status: status)
        }
        if _slowPath((300...399).contains(status)) {
            throw PKCEError(.redirect, "the server answered HTTP \(status); redirects are not followed", httpStatus: status)
        }
        // libcurl passes on any three digits; HTTP defines 100..599 (RFC 9110 15).
        guard _fastPath((100...599).contains(status)) else {
            throw PKCEError(.httpStatus, "the server answered with status \(status), which HTTP does not define", httpStatus: status)
        }
        var contentType: UnsafePointer<CChar>?
        _ = lpk_curl_get_string(h, CURLINFO_CONTENT_TYPE, &contentType)
        func saw(_ header: lpk_header) -> Bool { lpk_sockets_saw(sockets, header) != 0 }
        return try HTTPResponse(status: status, body: sink.finish(), contentType: contentType.map(Self.contentType),
                                requestID: saw(LPK_HEADER_REQUEST_ID) ? lpk_curl_header(h, "X-Request-ID").map { String(cString: $0) } : nil,
                                wwwAuthenticate: (status == 401 || status == 403) && saw(LPK_HEADER_WWW_AUTHENTICATE)
                                    ? Self.allHeaders(h, "WWW-Authenticate") : [],
                                dpopNonce: request.dpopKey != nil && saw(LPK_HEADER_DPOP_NONCE)
                                    ? lpk_curl_header(h, "DPoP-Nonce").map { String(cString: $0) } : nil)
    }

    /// The answer's Content-Type; the usual one as a constant, which costs no allocation.
    private static func contentType(_ value: UnsafePointer<CChar>) -> String {
        strcmp(value, "application/json") == 0 ? "application/json" : String(cString: value)
    }

    /// Every value of the last response's header `name`, in order.
    private static func allHeaders(_ h: UnsafeMutableRawPointer, _ name: String) -> [String] {
        var values: [String] = []
        var amount = 1
        while values.count < amount, let value = lpk_curl_header_at(h, name, values.count, &amount) {
            values.append(String(cString: value))
        }
        return values
    }

    /// `extra` as "Name: value" lines, the last of them linked to `shared`
    /// (which is only read): the first and last node of the lines made.
    private static func headers(_ extra: [(name: SecureBytes, value: SecureBytes)],
                                before shared: UnsafeMutablePointer<curl_slist>) throws(PKCEError)
        -> (first: UnsafeMutablePointer<curl_slist>, last: UnsafeMutablePointer<curl_slist>) {
        var list: UnsafeMutablePointer<curl_slist>?
        for header in extra {
            var line = try ByteWriter(capacity: header.name.count + header.value.count + 2)
            line.append(header.name.buffer)
            line.append(": ")
            line.append(header.value.buffer)
            let text = try line.finish()
            guard let longer = lpk_curl_slist_append(list, text.cString) else {
                wipeAndFree(list)
                throw PKCEError(.outOfMemory)
            }
            list = longer
        }
        guard let first = list else { throw PKCEError(.invalidArgument, "no extra headers") }
        var last = first
        while let next = last.pointee.next { last = next }
        last.pointee.next = shared
        return (first, last)
    }

    /// libcurl copies each line it is given and frees it unwiped: wipe the copies first.
    private static func wipeAndFree(_ list: UnsafeMutablePointer<curl_slist>?) {
        var node = list
        while let current = node {
            if let data = current.pointee.data { wipe(data, strlen(data)) }
            node = current.pointee.next
        }
        lpk_curl_slist_free_all(list)
    }

    private static func error(for code: CURLcode, overflowed: Bool, headersTooLarge: Bool, detail: String, status: Int) -> PKCEError {
        let what = detail.isEmpty ? String(cString: lpk_curl_easy_strerror(code)) : detail
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            return PKCEError(.connect, "could not connect: \(what)")
        case CURLE_OPERATION_TIMEDOUT:
            return PKCEError(.timeout, "timed out: \(what)")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
             CURLE_USE_SSL_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_SHUTDOWN_FAILED:
            return PKCEError(.tls, "TLS failed: \(what)")
        case CURLE_FILESIZE_EXCEEDED:
            return PKCEError(.responseTooLarge, "response body exceeds \(HTTPResponse.maxBodyBytes) bytes", httpStatus: status)
        case CURLE_WRITE_ERROR where overflowed:
            return PKCEError(.responseTooLarge, "response body exceeds \(HTTPResponse.maxBodyBytes) bytes", httpStatus: status)
        case CURLE_WRITE_ERROR where headersTooLarge:
            return PKCEError(.responseTooLarge, "response headers exceed \(HTTPResponse.maxHeaderBytes) bytes", httpStatus: status)
        // Plain http was refused before the transfer, so libcurl refusing the
        // protocol here means the answer was not HTTP (HTTP/0.9, a status
        // line libcurl rejects).
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_WEIRD_SERVER_REPLY:
            return PKCEError(.responseMalformed, "the server's answer is not HTTP: \(what)", httpStatus: status)
        // With a status line already received, libcurl's "out of memory" is its
        // limit on one header line (100 KiB), not the machine running out.
        case CURLE_OUT_OF_MEMORY where status != 0:
            return PKCEError(.responseTooLarge, "a response header is larger than libcurl accepts", httpStatus: status)
        default:
            return PKCEError(.transport, "HTTP transfer failed: \(what)")
        }
    }
}

/// Collects a handle's response bodies, one transfer at a time, up to the
/// 1 MiB cap, in memory that is wiped on release.
private final class ResponseSink {
    // One transfer at a time: no run-time exclusivity checks in libcurl's callbacks.
    @exclusivity(unchecked) var writer: ByteWriter?
    @exclusivity(unchecked) var overflowed = false

    func begin() throws(PKCEError) {
        writer = try ByteWriter(capacity: 1024)
        overflowed = false
    }

    /// The body received; the sink holds nothing of it afterwards.
    func finish() throws(PKCEError) -> SecureBytes {
        guard let writer = writer.take() else { return try SecureBytes("") }
        return try writer.finish()
    }

    /// After a transfer, whatever became of it: an unfinished body is wiped now.
    func end() {
        writer = nil
    }
}

private let receiveBody: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, context in
    guard let data, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let (length, overflow) = size.multipliedReportingOverflow(by: count)
    guard !overflow, length <= HTTPResponse.maxBodyBytes - (sink.writer?.count ?? 0) else {
        sink.overflowed = true
        return 0  // makes libcurl stop with CURLE_WRITE_ERROR
    }
    UnsafeRawPointer(data).withMemoryRebound(to: UInt8.self, capacity: length) {
        sink.writer?.append(UnsafeBufferPointer(start: $0, count: length))
    }
    return length
}
