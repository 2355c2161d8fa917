import CPKCEHeader
import PKCE
import PKCETransport

// The device authorization grant (RFC 8628).

/// What a pkce_device points to: the grant, and the signal that cancels its polling.
final class DeviceSession {
    let device: DeviceAuthorization
    let cancellation: Cancellation

    init(_ device: DeviceAuthorization) throws(PKCEError) {
        self.device = device
        cancellation = try Cancellation()
    }
}

@_cdecl("pkce_client_set_device_authorization_endpoint") @implementation
public func pkce_client_set_device_authorization_endpoint(_ client: OpaquePointer?, _ url: UnsafePointer<CChar>?) -> pkce_status {
    configure(client) { c throws(PKCEError) in try c.setDeviceAuthorizationEndpoint(optionalString(url)) }
}

@_cdecl("pkce_client_device_start") @implementation
public func pkce_client_device_start(_ client: OpaquePointer?, _ scope: UnsafePointer<CChar>?,
                                     _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                     _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), out = try required(out)
        out.pointee = retained(try DeviceSession(client.startDeviceAuthorization(scope: optionalString(scope))))
    }
}

@_cdecl("pkce_client_device_poll") @implementation
public func pkce_client_device_poll(_ client: OpaquePointer?, _ device: OpaquePointer?,
                                    _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                    _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), session = try required(device, DeviceSession.self)
        let out = try required(out)
        out.pointee = retained(try client.pollDeviceAuthorization(session.device, cancellation: session.cancellation))
    }
}

@_cdecl("pkce_device_cancel") @implementation
public func pkce_device_cancel(_ device: OpaquePointer?) {
    object(device, DeviceSession.self)?.cancellation.cancel()
}

@_cdecl("pkce_device_free") @implementation
public func pkce_device_free(_ device: OpaquePointer?) {
    release(device, DeviceSession.self)
}

@_cdecl("pkce_device_user_code") @implementation
public func pkce_device_user_code(_ device: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(device, DeviceSession.self)?.device.userCode)
}

@_cdecl("pkce_device_verification_uri") @implementation
public func pkce_device_verification_uri(_ device: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(device, DeviceSession.self)?.device.verificationURI)
}

@_cdecl("pkce_device_verification_uri_complete") @implementation
public func pkce_device_verification_uri_complete(_ device: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(device, DeviceSession.self)?.device.verificationURIComplete)
}

@_cdecl("pkce_device_expires_in") @implementation
public func pkce_device_expires_in(_ device: OpaquePointer?) -> Int64 {
    object(device, DeviceSession.self)?.device.expiresIn ?? 0
}

@_cdecl("pkce_device_interval") @implementation
public func pkce_device_interval(_ device: OpaquePointer?) -> Int64 {
    object(device, DeviceSession.self)?.device.interval ?? 0
}

@_cdecl("pkce_client_device_request") @implementation
public func pkce_client_device_request(_ client: OpaquePointer?, _ scope: UnsafePointer<CChar>?,
                                       _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), out = try required(out)
        out.pointee = retained(try client.configuration.deviceAuthorizationRequest(scope: optionalString(scope)))
    }
}

@_cdecl("pkce_device_parse") @implementation
public func pkce_device_parse(_ httpStatus: Int32, _ body: UnsafePointer<CChar>?, _ bodyLength: Int,
                              _ out: UnsafeMutablePointer<OpaquePointer?>?,
                              _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let out = try required(out)
        let device = try DeviceAuthorization(httpStatus: Int(httpStatus), body: byteBuffer(required(body), bodyLength))
        out.pointee = retained(try DeviceSession(device))
    }
}

@_cdecl("pkce_device_token_request") @implementation
public func pkce_device_token_request(_ client: OpaquePointer?, _ device: OpaquePointer?,
                                      _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), session = try required(device, DeviceSession.self)
        let out = try required(out)
        out.pointee = retained(try session.device.tokenRequest(client.configuration))
    }
}

@_cdecl("pkce_device_parse_token") @implementation
public func pkce_device_parse_token(_ device: OpaquePointer?, _ httpStatus: Int32, _ body: UnsafePointer<CChar>?,
                                    _ bodyLength: Int, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                    _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let session = try required(device, DeviceSession.self), out = try required(out)
        out.pointee = retained(try session.device.tokens(httpStatus: Int(httpStatus), body: byteBuffer(required(body), bodyLength)))
    }
}
