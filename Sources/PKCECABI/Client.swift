import CPKCEHeader
import PKCE

/// What a pkce_client handle points to. A class around the core's value
/// type, so that the C setters can change it in place.
final class ClientHandle {
    var configuration: ClientConfiguration
    init(_ configuration: ClientConfiguration) { self.configuration = configuration }
}

@_cdecl("pkce_client_new") @implementation
public func pkce_client_new(_ clientID: UnsafePointer<CChar>?, _ redirectURI: UnsafePointer<CChar>?,
                            _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let out = try required(out)
        let configuration = try ClientConfiguration(clientID: string(clientID), redirectURI: string(redirectURI))
        out.pointee = retained(ClientHandle(configuration))
    }
}

@_cdecl("pkce_client_free") @implementation
public func pkce_client_free(_ client: OpaquePointer?) {
    release(client, ClientHandle.self)
}

@_cdecl("pkce_client_set_authorization_endpoint") @implementation
public func pkce_client_set_authorization_endpoint(_ client: OpaquePointer?, _ url: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in
        try required(client, ClientHandle.self).configuration.setAuthorizationEndpoint(string(url))
    }
}

@_cdecl("pkce_client_set_token_endpoint") @implementation
public func pkce_client_set_token_endpoint(_ client: OpaquePointer?, _ url: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in
        try required(client, ClientHandle.self).configuration.setTokenEndpoint(string(url))
    }
}

@_cdecl("pkce_client_set_scope") @implementation
public func pkce_client_set_scope(_ client: OpaquePointer?, _ scope: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in
        let handle = try required(client, ClientHandle.self)
        handle.configuration.setScope(try optionalString(scope))
    }
}

@_cdecl("pkce_client_set_issuer") @implementation
public func pkce_client_set_issuer(_ client: OpaquePointer?, _ issuer: UnsafePointer<CChar>?, _ requireIss: Int32) -> pkce_status {
    status { () throws(PKCEError) in
        let handle = try required(client, ClientHandle.self)
        try handle.configuration.setIssuer(optionalString(issuer), required: requireIss != 0)
    }
}

@_cdecl("pkce_client_refresh_request") @implementation
public func pkce_client_refresh_request(_ client: OpaquePointer?, _ refreshToken: UnsafePointer<CChar>?,
                                        _ scope: UnsafePointer<CChar>?,
                                        _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let handle = try required(client, ClientHandle.self), out = try required(out)
        let request = try handle.configuration.refreshRequest(refreshToken: bytes(required(refreshToken)),
                                                              scope: optionalString(scope))
        out.pointee = retained(request)
    }
}
