import CPKCEHeader
import PKCE

@_cdecl("pkce_version") @implementation
public func pkce_version() -> UnsafePointer<CChar>? {
    borrowed(libpkceVersion)
}

@_cdecl("pkce_strerror") @implementation
public func pkce_strerror(_ status: pkce_status) -> UnsafePointer<CChar>? {
    if status == PKCE_OK { return borrowed("success") }
    guard let value = Int32(exactly: status.rawValue), let code = PKCEError.Code(rawValue: value) else {
        return borrowed("unknown status")
    }
    return borrowed(code.summary)
}

@_cdecl("pkce_string_free") @implementation
public func pkce_string_free(_ string: UnsafeMutablePointer<CChar>?) {
    guard let string else { return }
    releaseHandedOut(string)
}

@_cdecl("pkce_error_status") @implementation
public func pkce_error_status(_ error: OpaquePointer?) -> pkce_status {
    object(error, ErrorDetail.self).map { pkce_status($0.error.code) } ?? PKCE_ERR_INVALID_ARGUMENT
}

@_cdecl("pkce_error_message") @implementation
public func pkce_error_message(_ error: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(error, ErrorDetail.self)?.message)
}

@_cdecl("pkce_error_oauth_error") @implementation
public func pkce_error_oauth_error(_ error: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(error, ErrorDetail.self)?.oauthError)
}

@_cdecl("pkce_error_description") @implementation
public func pkce_error_description(_ error: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(error, ErrorDetail.self)?.oauthDescription)
}

@_cdecl("pkce_error_uri") @implementation
public func pkce_error_uri(_ error: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(error, ErrorDetail.self)?.oauthURI)
}

@_cdecl("pkce_error_http_status") @implementation
public func pkce_error_http_status(_ error: OpaquePointer?) -> Int32 {
    Int32(clamping: object(error, ErrorDetail.self)?.error.httpStatus ?? 0)
}

@_cdecl("pkce_error_request_id") @implementation
public func pkce_error_request_id(_ error: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(error, ErrorDetail.self)?.requestID)
}

@_cdecl("pkce_error_body") @implementation
public func pkce_error_body(_ error: OpaquePointer?, _ length: UnsafeMutablePointer<Int>?) -> UnsafePointer<CChar>? {
    body(of: object(error, ErrorDetail.self)?.error.answer, length)
}

/// The answer behind an error; PKCE_ERR_NOT_FOUND when it came with none.
private func answer(of error: OpaquePointer?) -> AnswerLookup {
    { () throws(PKCEError) in
        guard let answer = try required(error, ErrorDetail.self).error.answer else {
            throw PKCEError(.notFound, "the error came with no answer from a server")
        }
        return answer
    }
}

@_cdecl("pkce_error_pointer_string") @implementation
public func pkce_error_pointer_string(_ error: OpaquePointer?, _ pointer: UnsafePointer<CChar>?,
                                      _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    pointerString(answer(of: error), pointer, out)
}

@_cdecl("pkce_error_pointer_int") @implementation
public func pkce_error_pointer_int(_ error: OpaquePointer?, _ pointer: UnsafePointer<CChar>?,
                                   _ out: UnsafeMutablePointer<Int64>?) -> pkce_status {
    pointerInt(answer(of: error), pointer, out)
}

@_cdecl("pkce_error_pointer_bool") @implementation
public func pkce_error_pointer_bool(_ error: OpaquePointer?, _ pointer: UnsafePointer<CChar>?,
                                    _ out: UnsafeMutablePointer<Int32>?) -> pkce_status {
    pointerBool(answer(of: error), pointer, out)
}

@_cdecl("pkce_error_pointer_json") @implementation
public func pkce_error_pointer_json(_ error: OpaquePointer?, _ pointer: UnsafePointer<CChar>?,
                                    _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    pointerJSON(answer(of: error), pointer, out)
}

@_cdecl("pkce_error_free") @implementation
public func pkce_error_free(_ error: OpaquePointer?) {
    release(error, ErrorDetail.self)
}
