import CPKCEHeader
import PKCE

@_cdecl("pkce_token_parse") @implementation
public func pkce_token_parse(_ httpStatus: Int32, _ body: UnsafePointer<CChar>?, _ bodyLength: Int,
                             _ out: UnsafeMutablePointer<OpaquePointer?>?,
                             _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let out = try required(out)
        out.pointee = retained(try TokenResponse(httpStatus: Int(httpStatus), body: byteBuffer(required(body), bodyLength)))
    }
}

@_cdecl("pkce_token_free") @implementation
public func pkce_token_free(_ token: OpaquePointer?) {
    release(token, TokenResponse.self)
}

@_cdecl("pkce_token_access_token") @implementation
public func pkce_token_access_token(_ token: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(token, TokenResponse.self)?.accessToken)
}

@_cdecl("pkce_token_token_type") @implementation
public func pkce_token_token_type(_ token: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(token, TokenResponse.self)?.tokenType)
}

@_cdecl("pkce_token_refresh_token") @implementation
public func pkce_token_refresh_token(_ token: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(token, TokenResponse.self)?.refreshToken)
}

@_cdecl("pkce_token_scope") @implementation
public func pkce_token_scope(_ token: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(token, TokenResponse.self)?.scope)
}

@_cdecl("pkce_token_id_token") @implementation
public func pkce_token_id_token(_ token: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(token, TokenResponse.self)?.idToken)
}

@_cdecl("pkce_token_expires_in") @implementation
public func pkce_token_expires_in(_ token: OpaquePointer?, _ seconds: UnsafeMutablePointer<Int64>?) -> pkce_status {
    status { () throws(PKCEError) in
        let token = try required(token, TokenResponse.self), seconds = try required(seconds)
        guard let expiresIn = token.expiresIn else { throw PKCEError(.notFound) }
        seconds.pointee = expiresIn
    }
}

@_cdecl("pkce_token_json") @implementation
public func pkce_token_json(_ token: OpaquePointer?, _ length: UnsafeMutablePointer<Int>?) -> UnsafePointer<CChar>? {
    body(of: object(token, TokenResponse.self), length)
}

@_cdecl("pkce_token_member_json") @implementation
public func pkce_token_member_json(_ token: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                   _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    memberJSON({ () throws(PKCEError) in try required(token, TokenResponse.self) }, name, out)
}

@_cdecl("pkce_token_member_string") @implementation
public func pkce_token_member_string(_ token: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                     _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    memberString({ () throws(PKCEError) in try required(token, TokenResponse.self) }, name, out)
}

@_cdecl("pkce_token_pointer_string") @implementation
public func pkce_token_pointer_string(_ token: OpaquePointer?, _ pointer: UnsafePointer<CChar>?,
                                      _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    pointerString({ () throws(PKCEError) in try required(token, TokenResponse.self) }, pointer, out)
}

@_cdecl("pkce_token_pointer_int") @implementation
public func pkce_token_pointer_int(_ token: OpaquePointer?, _ pointer: UnsafePointer<CChar>?,
                                   _ out: UnsafeMutablePointer<Int64>?) -> pkce_status {
    pointerInt({ () throws(PKCEError) in try required(token, TokenResponse.self) }, pointer, out)
}

@_cdecl("pkce_token_pointer_bool") @implementation
public func pkce_token_pointer_bool(_ token: OpaquePointer?, _ pointer: UnsafePointer<CChar>?,
                                    _ out: UnsafeMutablePointer<Int32>?) -> pkce_status {
    pointerBool({ () throws(PKCEError) in try required(token, TokenResponse.self) }, pointer, out)
}

@_cdecl("pkce_token_pointer_json") @implementation
public func pkce_token_pointer_json(_ token: OpaquePointer?, _ pointer: UnsafePointer<CChar>?,
                                    _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    pointerJSON({ () throws(PKCEError) in try required(token, TokenResponse.self) }, pointer, out)
}
