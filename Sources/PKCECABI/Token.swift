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
    guard let token = object(token, TokenResponse.self) else { return nil }
    length?.pointee = token.body.count
    return borrowed(token.body)
}

@_cdecl("pkce_token_member_json") @implementation
public func pkce_token_member_json(_ token: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                   _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let token = try required(token, TokenResponse.self), out = try required(out)
        guard let json = token.memberJSON(try string(name)) else { throw PKCEError(.notFound) }
        out.pointee = try handedOut(json)
    }
}

@_cdecl("pkce_token_member_string") @implementation
public func pkce_token_member_string(_ token: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                     _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let token = try required(token, TokenResponse.self), out = try required(out)
        guard let value = try token.memberString(string(name)) else { throw PKCEError(.notFound) }
        out.pointee = try value.withBytes(handedOut)
    }
}

@_cdecl("pkce_token_pointer_string") @implementation
public func pkce_token_pointer_string(_ token: OpaquePointer?, _ pointer: UnsafePointer<CChar>?,
                                      _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let token = try required(token, TokenResponse.self), out = try required(out)
        guard let value = try token.string(at: string(pointer)) else { throw PKCEError(.notFound) }
        out.pointee = try value.withBytes(handedOut)
    }
}

@_cdecl("pkce_token_pointer_int") @implementation
public func pkce_token_pointer_int(_ token: OpaquePointer?, _ pointer: UnsafePointer<CChar>?,
                                   _ out: UnsafeMutablePointer<Int64>?) -> pkce_status {
    status { () throws(PKCEError) in
        let token = try required(token, TokenResponse.self), out = try required(out)
        guard let value = try token.integer(at: string(pointer)) else { throw PKCEError(.notFound) }
        out.pointee = value
    }
}

@_cdecl("pkce_token_pointer_bool") @implementation
public func pkce_token_pointer_bool(_ token: OpaquePointer?, _ pointer: UnsafePointer<CChar>?,
                                    _ out: UnsafeMutablePointer<Int32>?) -> pkce_status {
    status { () throws(PKCEError) in
        let token = try required(token, TokenResponse.self), out = try required(out)
        guard let value = try token.boolean(at: string(pointer)) else { throw PKCEError(.notFound) }
        out.pointee = value ? 1 : 0
    }
}

@_cdecl("pkce_token_pointer_json") @implementation
public func pkce_token_pointer_json(_ token: OpaquePointer?, _ pointer: UnsafePointer<CChar>?,
                                    _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let token = try required(token, TokenResponse.self), out = try required(out)
        guard let json = try token.json(at: string(pointer)) else { throw PKCEError(.notFound) }
        out.pointee = try handedOut(json)
    }
}
