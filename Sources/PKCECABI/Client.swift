import CPKCEHeader
import PKCE
import PKCETransport

// A pkce_client handle is an OAuthClient: the configuration and its HTTPS transport.

@_cdecl("pkce_client_new") @implementation
public func pkce_client_new(_ clientID: UnsafePointer<CChar>?, _ redirectURI: UnsafePointer<CChar>?,
                            _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let out = try required(out)
        // Both NULL: a client for pkce_resource_sign_in, which finds its server and id.
        let configuration = if clientID == nil && redirectURI == nil { ClientConfiguration(unregistered: ()) } else {
            try ClientConfiguration(clientID: string(clientID), redirectURI: string(redirectURI))
        }
        out.pointee = retained(OAuthClient(configuration))
    }
}

@_cdecl("pkce_client_free") @implementation
public func pkce_client_free(_ client: OpaquePointer?) {
    release(client, OAuthClient.self)
}

func configure(_ client: OpaquePointer?, _ change: (inout ClientConfiguration) throws(PKCEError) -> Void) -> pkce_status {
    modify(client, \.configuration, change)
}

@_cdecl("pkce_client_set_authorization_endpoint") @implementation
public func pkce_client_set_authorization_endpoint(_ client: OpaquePointer?, _ url: UnsafePointer<CChar>?) -> pkce_status {
    configure(client) { c throws(PKCEError) in try c.setAuthorizationEndpoint(string(url)) }
}

@_cdecl("pkce_client_set_token_endpoint") @implementation
public func pkce_client_set_token_endpoint(_ client: OpaquePointer?, _ url: UnsafePointer<CChar>?) -> pkce_status {
    configure(client) { c throws(PKCEError) in try c.setTokenEndpoint(string(url)) }
}

@_cdecl("pkce_client_set_revocation_endpoint") @implementation
public func pkce_client_set_revocation_endpoint(_ client: OpaquePointer?, _ url: UnsafePointer<CChar>?) -> pkce_status {
    configure(client) { c throws(PKCEError) in try c.setRevocationEndpoint(optionalString(url)) }
}

@_cdecl("pkce_client_set_par_endpoint") @implementation
public func pkce_client_set_par_endpoint(_ client: OpaquePointer?, _ url: UnsafePointer<CChar>?) -> pkce_status {
    configure(client) { c throws(PKCEError) in try c.setPushedAuthorizationRequestEndpoint(optionalString(url)) }
}

@_cdecl("pkce_client_prefer_par") @implementation
public func pkce_client_prefer_par(_ client: OpaquePointer?, _ prefer: Int32) -> pkce_status {
    configure(client) { c throws(PKCEError) in c.prefersPushedAuthorizationRequests = prefer != 0 }
}

@_cdecl("pkce_client_push") @implementation
public func pkce_client_push(_ client: OpaquePointer?, _ attempt: OpaquePointer?,
                             _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        try required(client, OAuthClient.self).push(required(attempt, AuthorizationAttempt.self))
    }
}

@_cdecl("pkce_client_set_end_session_endpoint") @implementation
public func pkce_client_set_end_session_endpoint(_ client: OpaquePointer?, _ url: UnsafePointer<CChar>?) -> pkce_status {
    configure(client) { c throws(PKCEError) in try c.setEndSessionEndpoint(optionalString(url)) }
}

@_cdecl("pkce_client_set_resource") @implementation
public func pkce_client_set_resource(_ client: OpaquePointer?, _ url: UnsafePointer<CChar>?) -> pkce_status {
    configure(client) { c throws(PKCEError) in try c.setResource(optionalString(url)) }
}

@_cdecl("pkce_client_use_workos") @implementation
public func pkce_client_use_workos(_ client: OpaquePointer?, _ apiBase: UnsafePointer<CChar>?) -> pkce_status {
    configure(client) { c throws(PKCEError) in try c.useWorkOS(apiBase: string(apiBase)) }
}

@_cdecl("pkce_client_set_secret") @implementation
public func pkce_client_set_secret(_ client: OpaquePointer?, _ secret: UnsafePointer<CChar>?,
                                   _ method: pkce_client_auth) -> pkce_status {
    configure(client) { c throws(PKCEError) in
        guard let value = Int32(exactly: method.rawValue), let method = ClientAuthMethod(rawValue: value) else {
            throw PKCEError(.invalidArgument, "unknown pkce_client_auth")
        }
        try c.setClientSecret(secret.map { bytes($0) }, method: method)
    }
}

@_cdecl("pkce_client_workos_logout_url") @implementation
public func pkce_client_workos_logout_url(_ client: OpaquePointer?, _ sessionID: UnsafePointer<CChar>?,
                                          _ returnTo: UnsafePointer<CChar>?,
                                          _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), out = try required(out)
        let url = try SecureBytes(client.configuration.workOSLogoutURL(sessionID: string(sessionID), returnTo: optionalString(returnTo)))
        out.pointee = try url.withBytes(handedOut)
    }
}

@_cdecl("pkce_client_set_scope") @implementation
public func pkce_client_set_scope(_ client: OpaquePointer?, _ scope: UnsafePointer<CChar>?) -> pkce_status {
    configure(client) { c throws(PKCEError) in c.setScope(try optionalString(scope)) }
}

@_cdecl("pkce_client_set_issuer") @implementation
public func pkce_client_set_issuer(_ client: OpaquePointer?, _ issuer: UnsafePointer<CChar>?, _ requireIss: Int32) -> pkce_status {
    configure(client) { c throws(PKCEError) in try c.setIssuer(optionalString(issuer), required: requireIss != 0) }
}

@_cdecl("pkce_client_refresh_request") @implementation
public func pkce_client_refresh_request(_ client: OpaquePointer?, _ refreshToken: UnsafePointer<CChar>?,
                                        _ scope: UnsafePointer<CChar>?,
                                        _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), out = try required(out)
        let request = try client.configuration.refreshRequest(refreshToken: bytes(required(refreshToken)),
                                                              scope: optionalString(scope))
        out.pointee = retained(request)
    }
}

@_cdecl("pkce_client_revocation_request") @implementation
public func pkce_client_revocation_request(_ client: OpaquePointer?, _ token: UnsafePointer<CChar>?,
                                           _ hint: UnsafePointer<CChar>?,
                                           _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), out = try required(out)
        let request = try client.configuration.revocationRequest(token: bytes(required(token)), hint: optionalString(hint))
        out.pointee = retained(request)
    }
}

@_cdecl("pkce_client_metadata_url") @implementation
public func pkce_client_metadata_url(_ issuer: UnsafePointer<CChar>?, _ index: Int,
                                     _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let out = try required(out)
        let urls = try ClientConfiguration.metadataURLs(issuer: string(issuer))
        guard urls.indices.contains(index) else { throw PKCEError(.notFound) }
        out.pointee = try SecureBytes(urls[index]).withBytes(handedOut)
    }
}

@_cdecl("pkce_client_apply_metadata") @implementation
public func pkce_client_apply_metadata(_ client: OpaquePointer?, _ issuer: UnsafePointer<CChar>?,
                                       _ json: UnsafePointer<CChar>?, _ jsonLength: Int,
                                       _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self)
        try client.configuration.applyMetadata(issuer: string(issuer), json: byteBuffer(required(json), jsonLength))
    }
}

// MARK: the HTTPS transport's settings

private func transport(_ client: OpaquePointer?, _ change: (inout TransportOptions) throws(PKCEError) -> Void) -> pkce_status {
    modify(client, \.transportOptions, change)
}

@_cdecl("pkce_client_set_ca_file") @implementation
public func pkce_client_set_ca_file(_ client: OpaquePointer?, _ caFile: UnsafePointer<CChar>?) -> pkce_status {
    transport(client) { o throws(PKCEError) in o.caFile = try optionalString(caFile) }
}

@_cdecl("pkce_client_set_ca_path") @implementation
public func pkce_client_set_ca_path(_ client: OpaquePointer?, _ caPath: UnsafePointer<CChar>?) -> pkce_status {
    transport(client) { o throws(PKCEError) in o.caPath = try optionalString(caPath) }
}

@_cdecl("pkce_client_set_timeouts") @implementation
public func pkce_client_set_timeouts(_ client: OpaquePointer?, _ connectMs: Int, _ totalMs: Int) -> pkce_status {
    transport(client) { o throws(PKCEError) in
        guard connectMs > 0, totalMs > 0 else { throw PKCEError(.invalidArgument, "timeouts must be positive") }
        o.connectTimeoutMilliseconds = connectMs
        o.totalTimeoutMilliseconds = totalMs
    }
}

@_cdecl("pkce_client_set_max_idle_connections") @implementation
public func pkce_client_set_max_idle_connections(_ client: OpaquePointer?, _ maxIdle: Int) -> pkce_status {
    transport(client) { o throws(PKCEError) in
        guard maxIdle >= 0 else { throw PKCEError(.invalidArgument, "max_idle is out of range") }  // a huge size_t
        o.maxIdleConnections = maxIdle
    }
}

@_cdecl("pkce_client_allow_loopback_http") @implementation
public func pkce_client_allow_loopback_http(_ client: OpaquePointer?, _ allow: Int32) -> pkce_status {
    transport(client) { o in o.allowsLoopbackHTTP = allow != 0 }
}

@_cdecl("pkce_client_set_log") @implementation
public func pkce_client_set_log(_ client: OpaquePointer?, _ level: pkce_log_level, _ function: pkce_log_fn?,
                                _ userData: UnsafeMutableRawPointer?) -> pkce_status {
    configure(client) { c throws(PKCEError) in
        guard let function else {
            c.log = nil
            return
        }
        guard let level = LogLevel(rawValue: Int32(level.rawValue)) else {
            throw PKCEError(.invalidArgument, "unknown pkce_log_level \(level.rawValue)")
        }
        // The caller's pointer, carried as a number so that the closure is Sendable.
        let context = UInt(bitPattern: userData)
        c.log = Log(level: level) { level, message in
            message.withCString { function(pkce_log_level(rawValue: UInt32(level.rawValue)), $0, UnsafeMutableRawPointer(bitPattern: context)) }
        }
    }
}

@_cdecl("pkce_client_endpoint") @implementation
public func pkce_client_endpoint(_ client: OpaquePointer?, _ which: pkce_endpoint,
                                 _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let c = try required(client, OAuthClient.self).configuration, out = try required(out)
        let url: String?
        switch which {
        case PKCE_ENDPOINT_AUTHORIZATION: url = c.authorizationEndpoint?.url
        case PKCE_ENDPOINT_TOKEN: url = c.tokenEndpoint?.url
        case PKCE_ENDPOINT_REVOCATION: url = c.revocationEndpoint?.url
        case PKCE_ENDPOINT_DEVICE_AUTHORIZATION: url = c.deviceAuthorizationEndpoint?.url
        case PKCE_ENDPOINT_JWKS: url = c.jwksURI?.url
        case PKCE_ENDPOINT_USERINFO: url = c.userinfoEndpoint?.url
        case PKCE_ENDPOINT_END_SESSION: url = c.endSessionEndpoint?.url
        case PKCE_ENDPOINT_PUSHED_AUTHORIZATION: url = c.pushedAuthorizationRequestEndpoint?.url
        case PKCE_ENDPOINT_ISSUER: url = c.issuer
        default: throw PKCEError(.invalidArgument, "unknown pkce_endpoint value \(which.rawValue)")
        }
        guard let url else { throw PKCEError(.notFound) }
        out.pointee = try SecureBytes(url).withBytes(handedOut)
    }
}

@_cdecl("pkce_client_requires_iss") @implementation
public func pkce_client_requires_iss(_ client: OpaquePointer?) -> Int32 {
    guard let c = object(client, OAuthClient.self)?.configuration else { return 0 }
    return c.issuer != nil && c.requiresIssuerParameter ? 1 : 0
}
