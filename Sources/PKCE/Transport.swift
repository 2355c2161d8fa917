#if canImport(Glibc)
import Glibc
#endif
import CCurlShim

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

    public init() {}
}

public struct HTTPResponse: Sendable {
    public let status: Int
    public let body: SecureBytes
}

/// One libcurl easy handle, kept between requests so that the TLS
/// connection to the server is reused (keep-alive). Requests on one
/// transport are serialised by a mutex: safe from any thread, one transfer
/// at a time.
final class HTTPSTransport: @unchecked Sendable {
    private var handle: UnsafeMutableRawPointer?
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// libcurl's CURLOPT_ERRORBUFFER, for the life of the transport (used under the mutex only).
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// One header list per kind of request, made on first use and kept: the
    /// headers of a kind never change.
    private var headerLists = [UnsafeMutablePointer<curl_slist>?](repeating: nil, count: HTTPRequest.Kind.allCases.count)
    /// The URL the handle holds, so that an unchanged one is not set (and parsed) again.
    private var handleURL: [UInt8] = []
    private var currentOptions = TransportOptions()

    init() {
        _ = curlReady
        pthread_mutex_init(mutex, nil)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        if let handle { curl_easy_cleanup(handle) }
        headerLists.forEach { curl_slist_free_all($0) }
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        errorBuffer.deallocate()
    }

    var options: TransportOptions {
        get { locked { currentOptions } }
        set {
            locked {
                currentOptions = newValue
                if let handle { curl_easy_cleanup(handle) }  // the next request configures a fresh one
                handle = nil
                handleURL = []
            }
        }
    }

    private func locked<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    func send(_ request: HTTPRequest) throws(PKCEError) -> HTTPResponse {
        try locked { () throws(PKCEError) in try perform(request) }
    }

    private func configuredHandle() throws(PKCEError) -> UnsafeMutableRawPointer {
        if let handle { return handle }
        guard let h = curl_easy_init() else { throw PKCEError(.outOfMemory, "curl_easy_init failed") }
        let o = currentOptions
        var ok = lpk_curl_set_long(h, CURLOPT_NOSIGNAL, 1) == CURLE_OK
        ok = ok && lpk_curl_set_long(h, CURLOPT_SSL_VERIFYPEER, 1) == CURLE_OK
        ok = ok && lpk_curl_set_long(h, CURLOPT_SSL_VERIFYHOST, 2) == CURLE_OK
        // A token endpoint that redirects is refused, never followed: a redirect
        // would carry the code and verifier to wherever the server points.
        ok = ok && lpk_curl_set_long(h, CURLOPT_FOLLOWLOCATION, 0) == CURLE_OK
        ok = ok && lpk_curl_set_string(h, CURLOPT_PROTOCOLS_STR, o.allowsLoopbackHTTP ? "https,http" : "https") == CURLE_OK
        ok = ok && lpk_curl_set_long(h, CURLOPT_CONNECTTIMEOUT_MS, max(o.connectTimeoutMilliseconds, 1)) == CURLE_OK
        ok = ok && lpk_curl_set_long(h, CURLOPT_TIMEOUT_MS, max(o.totalTimeoutMilliseconds, 1)) == CURLE_OK
        ok = ok && lpk_curl_set_offset(h, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(TokenResponse.maxBodyBytes)) == CURLE_OK
        ok = ok && lpk_curl_set_long(h, CURLOPT_TCP_KEEPALIVE, 1) == CURLE_OK
        ok = ok && lpk_curl_set_string(h, CURLOPT_USERAGENT, "libpkce/\(libpkceVersion)") == CURLE_OK
        ok = ok && lpk_curl_set_write_function(h, receiveBody) == CURLE_OK
        ok = ok && lpk_curl_set_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer) == CURLE_OK
        if let caFile = o.caFile { ok = ok && lpk_curl_set_string(h, CURLOPT_CAINFO, caFile) == CURLE_OK }
        if let caPath = o.caPath { ok = ok && lpk_curl_set_string(h, CURLOPT_CAPATH, caPath) == CURLE_OK }
        guard ok else {
            curl_easy_cleanup(h)
            throw PKCEError(.transport, "libcurl refused an option (is it built with OpenSSL and HTTPS?)")
        }
        handle = h
        return h
    }

    private func headerList(for kind: HTTPRequest.Kind) throws(PKCEError) -> UnsafeMutablePointer<curl_slist> {
        if let list = headerLists[kind.rawValue] { return list }
        var list: UnsafeMutablePointer<curl_slist>?
        // "Expect:" turns off the 100-continue round trip.
        for line in kind.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            // On failure curl_slist_append returns NULL and leaves the list as it was.
            guard let longer = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw PKCEError(.outOfMemory)
            }
            list = longer
        }
        guard let list else { throw PKCEError(.outOfMemory) }  // never: the loop appends at least "Expect:"
        headerLists[kind.rawValue] = list
        return list
    }

    private func perform(_ request: HTTPRequest) throws(PKCEError) -> HTTPResponse {
        let url = request.urlBytes
        if url.buffer.prefix(5).map({ $0 | 0x20 }).elementsEqual("http:".utf8) && !currentOptions.allowsLoopbackHTTP {
            throw PKCEError(.urlInsecure, "plain http is refused unless loopback http is allowed")
        }
        let h = try configuredHandle()
        let headers = try headerList(for: request.kind)
        if !url.buffer.elementsEqual(handleURL) {
            guard lpk_curl_set_string(h, CURLOPT_URL, url.cString) == CURLE_OK else {
                throw PKCEError(.outOfMemory, "libcurl could not take the URL")
            }
            handleURL = Array(url.buffer)
        }

        let sink = ResponseSink()
        errorBuffer[0] = 0
        let code = request.body.withBytes { body in
            _ = lpk_curl_set_pointer(h, CURLOPT_HTTPHEADER, headers)
            _ = lpk_curl_set_pointer(h, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque())
            if request.kind == .get {
                _ = lpk_curl_set_long(h, CURLOPT_HTTPGET, 1)
            } else {
                _ = lpk_curl_set_offset(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                _ = lpk_curl_set_pointer(h, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: body.baseAddress))
            }
            let code = curl_easy_perform(h)
            // The handle outlives this call: leave it no pointer into memory that is about to go.
            _ = lpk_curl_set_pointer(h, CURLOPT_POSTFIELDS, nil)
            _ = lpk_curl_set_pointer(h, CURLOPT_WRITEDATA, nil)
            return code
        }
        var status = 0
        var responseCode = 0
        if lpk_curl_get_long(h, CURLINFO_RESPONSE_CODE, &responseCode) == CURLE_OK { status = responseCode }
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            throw Self.error(for: code, overflowed: sink.overflowed, detail: detail, status: status)
        }
        if (300...399).contains(status) {
            throw PKCEError(.redirect, "the server answered HTTP \(status); redirects are not followed", httpStatus: status)
        }
        return HTTPResponse(status: status, body: sink.finish())
    }

    private static func error(for code: CURLcode, overflowed: Bool, detail: String, status: Int) -> PKCEError {
        let what = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
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
            return PKCEError(.responseTooLarge, "response body exceeds \(TokenResponse.maxBodyBytes) bytes", httpStatus: status)
        case CURLE_WRITE_ERROR where overflowed:
            return PKCEError(.responseTooLarge, "response body exceeds \(TokenResponse.maxBodyBytes) bytes", httpStatus: status)
        case CURLE_UNSUPPORTED_PROTOCOL:
            return PKCEError(.urlInsecure, "protocol refused: \(what)")
        default:
            return PKCEError(.transport, "HTTP transfer failed: \(what)")
        }
    }
}

/// Collects a response body, up to the 1 MiB cap, in memory that is wiped on release.
private final class ResponseSink {
    var writer: ByteWriter? = ByteWriter(capacity: 1024)
    var overflowed = false

    func finish() -> SecureBytes { writer.take()?.finish() ?? SecureBytes("") }
}

private let receiveBody: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, context in
    guard let data, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let (length, overflow) = size.multipliedReportingOverflow(by: count)
    guard !overflow, length <= TokenResponse.maxBodyBytes - (sink.writer?.count ?? 0) else {
        sink.overflowed = true
        return 0  // makes libcurl stop with CURLE_WRITE_ERROR
    }
    UnsafeRawPointer(data).withMemoryRebound(to: UInt8.self, capacity: length) {
        sink.writer?.append(UnsafeBufferPointer(start: $0, count: length))
    }
    return length
}

/// curl_global_init, once per process, before the first handle.
private let curlReady: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
