// The mechanics every exported function shares: status codes, handles,
// strings in and out, and error detail. No OAuth logic lives in this module.
#if canImport(Glibc)
import Glibc
#endif
import CPKCEHeader
import PKCE
import PKCETransport

extension pkce_status {
    init(_ code: PKCEError.Code) { self.init(rawValue: UInt32(code.rawValue)) }
}

/// Runs `body`, turning a thrown PKCEError into its status, and on failure
/// hands a new pkce_error to `detail` when the caller asked for one.
/// Out-parameters are assigned inside `body` after everything that can
/// fail, so a failure leaves them untouched.
func status(detail: UnsafeMutablePointer<OpaquePointer?>? = nil, _ body: () throws(PKCEError) -> Void) -> pkce_status {
    do {
        try body()
        return PKCE_OK
    } catch {
        // Without memory for the detail the status still tells what failed.
        detail?.pointee = (try? ErrorDetail(error)).map { retained($0) }
        return pkce_status(error.code)
    }
}

// MARK: handles

func retained(_ object: AnyObject) -> OpaquePointer {
    OpaquePointer(Unmanaged.passRetained(object).toOpaque())
}

func object<T: AnyObject>(_ handle: OpaquePointer?, _: T.Type) -> T? {
    handle.map { Unmanaged<T>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

func release<T: AnyObject>(_ handle: OpaquePointer?, _: T.Type) {
    handle.map { Unmanaged<T>.fromOpaque(UnsafeRawPointer($0)).release() }
}

/// The object behind a handle the caller must pass, or invalidArgument.
func required<T: AnyObject>(_ handle: OpaquePointer?, _ type: T.Type) throws(PKCEError) -> T {
    guard let value = object(handle, type) else { throw PKCEError(.invalidArgument) }
    return value
}

/// A pointer the caller must pass, or invalidArgument.
func required<P>(_ pointer: P?) throws(PKCEError) -> P {
    guard let pointer else { throw PKCEError(.invalidArgument) }
    return pointer
}

/// Runs `change` on a copy of one of the client's settings and stores it
/// back only if `change` succeeds, so a failed setter leaves the client as it was.
func modify<Value>(_ client: OpaquePointer?, _ setting: ReferenceWritableKeyPath<OAuthClient, Value>,
                   _ change: (inout Value) throws(PKCEError) -> Void) -> pkce_status {
    status { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self)
        var value = client[keyPath: setting]
        try change(&value)
        client[keyPath: setting] = value
    }
}

// MARK: strings in

/// A C string argument as a Swift string; NULL or invalid UTF-8 is refused.
func string(_ pointer: UnsafePointer<CChar>?) throws(PKCEError) -> String {
    guard let pointer, let value = String(validatingCString: pointer) else { throw PKCEError(.invalidArgument) }
    return value
}

func optionalString(_ pointer: UnsafePointer<CChar>?) throws(PKCEError) -> String? {
    guard let pointer else { return nil }
    return try string(pointer)
}

/// The bytes of a C string argument, read in place (for secrets: no copy).
func bytes(_ pointer: UnsafePointer<CChar>, maxLength: Int = Int.max) -> UnsafeBufferPointer<UInt8> {
    UnsafeRawPointer(pointer).withMemoryRebound(to: UInt8.self, capacity: 1) {
        UnsafeBufferPointer(start: $0, count: strnlen(pointer, maxLength))
    }
}

/// The bytes of a C string argument that must be UTF-8, read in place (for
/// secrets: no copy, unlike `string`); NULL or invalid UTF-8 is refused.
func utf8(_ pointer: UnsafePointer<CChar>?) throws(PKCEError) -> UnsafeBufferPointer<UInt8> {
    let value = bytes(try required(pointer))
    guard UTF8Validation.isValid(value) else { throw PKCEError(.invalidArgument, "a string argument is not UTF-8") }
    return value
}

/// A caller's (pointer, length) pair; a negative length (a huge size_t) is refused.
func byteBuffer(_ pointer: UnsafePointer<CChar>, _ length: Int) throws(PKCEError) -> UnsafeBufferPointer<UInt8> {
    guard length >= 0 else { throw PKCEError(.invalidArgument) }
    return UnsafeRawPointer(pointer).withMemoryRebound(to: UInt8.self, capacity: length) {
        UnsafeBufferPointer(start: $0, count: length)
    }
}

// MARK: strings out

/// Borrowed view of library-owned bytes (they carry a trailing NUL).
func borrowed(_ value: SecureBytes?) -> UnsafePointer<CChar>? { value?.cString }

func borrowed(_ value: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(value.utf8Start).assumingMemoryBound(to: CChar.self)
}

// Strings handed to C carry their length just before their first byte, so
// that pkce_string_free wipes every byte even when one is a NUL (a response
// body from pkce_client_send may hold one) and strlen would stop short.
private let lengthHeader = MemoryLayout<Int>.stride

/// A malloc'ed copy for the caller, released with pkce_string_free.
func handedOut(_ value: UnsafeBufferPointer<UInt8>) throws(PKCEError) -> UnsafeMutablePointer<CChar> {
    let (total, overflow) = value.count.addingReportingOverflow(lengthHeader + 1)
    guard !overflow, let raw = malloc(total) else { throw PKCEError(.outOfMemory) }
    raw.storeBytes(of: value.count, as: Int.self)
    let out = (raw + lengthHeader).assumingMemoryBound(to: UInt8.self)
    if let source = value.baseAddress { out.update(from: source, count: value.count) }
    out[value.count] = 0
    return UnsafeMutableRawPointer(out).assumingMemoryBound(to: CChar.self)
}

/// Wipes and frees a string made by `handedOut`.
func releaseHandedOut(_ string: UnsafeMutablePointer<CChar>) {
    let raw = UnsafeMutableRawPointer(string) - lengthHeader
    wipe(raw, lengthHeader + raw.load(as: Int.self) + 1)
    free(raw)
}

// MARK: error detail

/// What a pkce_error handle points to: the error, with C strings to lend.
final class ErrorDetail {
    let error: PKCEError
    let message: SecureBytes
    let oauthError: SecureBytes?
    let oauthDescription: SecureBytes?
    let oauthURI: SecureBytes?
    let requestID: SecureBytes?

    init(_ error: PKCEError) throws(PKCEError) {
        self.error = error
        message = try SecureBytes(error.message)
        oauthError = try error.oauth.map { (oauth) throws(PKCEError) in try SecureBytes(oauth.error) }
        oauthDescription = try error.oauth?.description.map { (text) throws(PKCEError) in try SecureBytes(text) }
        oauthURI = try error.oauth?.uri.map { (text) throws(PKCEError) in try SecureBytes(text) }
        requestID = try error.answer?.requestID.map { (text) throws(PKCEError) in try SecureBytes(text) }
    }
}
