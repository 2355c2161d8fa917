import CPKCEHeader
import PKCE

@_cdecl("pkce_http_request_method") @implementation
public func pkce_http_request_method(_ request: OpaquePointer?) -> UnsafePointer<CChar>? {
    object(request, HTTPRequest.self).map { borrowed($0.method) }
}

@_cdecl("pkce_http_request_url") @implementation
public func pkce_http_request_url(_ request: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(request, HTTPRequest.self)?.urlBytes)
}

@_cdecl("pkce_http_request_header_count") @implementation
public func pkce_http_request_header_count(_ request: OpaquePointer?) -> Int {
    object(request, HTTPRequest.self)?.headerCount ?? 0
}

@_cdecl("pkce_http_request_header") @implementation
public func pkce_http_request_header(_ request: OpaquePointer?, _ index: Int,
                                     _ name: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                                     _ value: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let request = try required(request, HTTPRequest.self)
        let name = try required(name), value = try required(value)
        guard index >= 0, index < request.headerCount else { throw PKCEError(.notFound) }
        if index < request.headers.count {
            name.pointee = borrowed(request.headers[index].name)
            value.pointee = borrowed(request.headers[index].value)
        } else {
            let extra = request.extraHeaders[index - request.headers.count]
            name.pointee = borrowed(extra.name)
            value.pointee = borrowed(extra.value)
        }
    }
}

@_cdecl("pkce_http_request_add_field") @implementation
public func pkce_http_request_add_field(_ request: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                        _ value: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in
        try required(request, HTTPRequest.self).addField(string(name), bytes(required(value)))
    }
}

@_cdecl("pkce_http_request_add_header") @implementation
public func pkce_http_request_add_header(_ request: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                         _ value: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in
        try required(request, HTTPRequest.self).addHeader(string(name), bytes(required(value)))
    }
}

@_cdecl("pkce_http_request_body") @implementation
public func pkce_http_request_body(_ request: OpaquePointer?, _ length: UnsafeMutablePointer<Int>?) -> UnsafePointer<CChar>? {
    guard let request = object(request, HTTPRequest.self) else { return nil }
    length?.pointee = request.body.count
    return borrowed(request.body)
}

@_cdecl("pkce_http_request_free") @implementation
public func pkce_http_request_free(_ request: OpaquePointer?) {
    release(request, HTTPRequest.self)
}
