import CPKCEHeader
import PKCE
import PKCEResource
import PKCESignIn
import PKCETokens
import PKCETransport

// A pkce_resource handle: the resource's URL and the options of its
// sign-in; for a caller with its own HTTP stack, the discovery and the
// registration it drives step by step.
final class ResourceHandle {
    let url: String
    let canonical: SecureBytes
    var options = ResourceSignInOptions()
    /// Made by the first pkce_resource_next_request, with the challenge set then.
    var discovery: ResourceDiscovery?
    var registration: ClientRegistration?

    init(_ url: String) throws(PKCEError) {
        canonical = try SecureBytes(ProtectedResource.canonicalURI(url))
        self.url = url
    }

    func discovered() throws(PKCEError) -> DiscoveredResource {
        guard let result = discovery?.result else {
            throw PKCEError(.notConfigured, "discovery is not done: answer pkce_resource_next_request's requests first")
        }
        return result
    }
}

// A pkce_http_response handle: what a resource answered.
final class ResponseHandle {
    let response: HTTPResponse
    let contentType: SecureBytes?
    let wwwAuthenticate: [SecureBytes]

    init(_ response: HTTPResponse) throws(PKCEError) {
        self.response = response
        contentType = try response.contentType.map { (text) throws(PKCEError) in try SecureBytes(text) }
        wwwAuthenticate = try response.wwwAuthenticate.map { (text) throws(PKCEError) in try SecureBytes(text) }
    }
}

@_cdecl("pkce_resource_new") @implementation
public func pkce_resource_new(_ url: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let out = try required(out)
        out.pointee = retained(try ResourceHandle(string(url)))
    }
}

@_cdecl("pkce_resource_free") @implementation
public func pkce_resource_free(_ resource: OpaquePointer?) {
    release(resource, ResourceHandle.self)
}

@_cdecl("pkce_resource_uri") @implementation
public func pkce_resource_uri(_ resource: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(resource, ResourceHandle.self)?.canonical)
}

private func options(_ resource: OpaquePointer?, _ change: (inout ResourceSignInOptions) throws(PKCEError) -> Void) -> pkce_status {
    status { () throws(PKCEError) in try change(&required(resource, ResourceHandle.self).options) }
}

@_cdecl("pkce_resource_set_client_id") @implementation
public func pkce_resource_set_client_id(_ resource: OpaquePointer?, _ clientID: UnsafePointer<CChar>?) -> pkce_status {
    options(resource) { o throws(PKCEError) in
        let id = try optionalString(clientID)
        guard id?.isEmpty != true else { throw PKCEError(.invalidArgument, "client_id is empty") }
        o.clientID = id
    }
}

@_cdecl("pkce_resource_set_client_name") @implementation
public func pkce_resource_set_client_name(_ resource: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> pkce_status {
    options(resource) { o throws(PKCEError) in
        let name = try string(name)
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
            throw PKCEError(.invalidArgument, "client_name is empty or holds a control character")
        }
        o.clientName = name
    }
}

@_cdecl("pkce_resource_set_scope") @implementation
public func pkce_resource_set_scope(_ resource: OpaquePointer?, _ scope: UnsafePointer<CChar>?) -> pkce_status {
    options(resource) { o throws(PKCEError) in o.scope = try optionalString(scope).flatMap { $0.isEmpty ? nil : $0 } }
}

@_cdecl("pkce_resource_set_issuer") @implementation
public func pkce_resource_set_issuer(_ resource: OpaquePointer?, _ issuer: UnsafePointer<CChar>?) -> pkce_status {
    options(resource) { o throws(PKCEError) in o.preferredIssuer = try optionalString(issuer) }
}

@_cdecl("pkce_resource_set_store") @implementation
public func pkce_resource_set_store(_ resource: OpaquePointer?, _ store: OpaquePointer?) -> pkce_status {
    options(resource) { o throws(PKCEError) in o.store = tokenStore(store) }
}

@_cdecl("pkce_resource_set_challenge") @implementation
public func pkce_resource_set_challenge(_ resource: OpaquePointer?, _ wwwAuthenticate: UnsafePointer<CChar>?,
                                        _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let handle = try required(resource, ResourceHandle.self)
        guard let value = try optionalString(wwwAuthenticate) else {
            handle.options.challenge = nil
            return
        }
        guard let challenge = try ResourceChallenge(headers: [value]) else {
            throw PKCEError(.notFound, "WWW-Authenticate holds no Bearer or DPoP challenge")
        }
        handle.options.challenge = challenge
    }
}

/// The handle's options with the browser and timeout of a sign-in call.
private func signInOptions(_ handle: ResourceHandle, _ browser: pkce_browser, _ program: UnsafePointer<CChar>?,
                           _ timeoutMilliseconds: Int32) throws(PKCEError) -> ResourceSignInOptions {
    guard timeoutMilliseconds >= 0 else { throw PKCEError(.invalidArgument, "timeout_ms is negative") }
    var options = handle.options
    options.browser = try Browser(browser, program)
    options.timeoutMilliseconds = timeoutMilliseconds == 0 ? 300_000 : Int(timeoutMilliseconds)
    return options
}

@_cdecl("pkce_resource_sign_in") @implementation
public func pkce_resource_sign_in(_ resource: OpaquePointer?, _ client: OpaquePointer?, _ browser: pkce_browser,
                                  _ program: UnsafePointer<CChar>?, _ timeoutMilliseconds: Int32,
                                  _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                  _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let handle = try required(resource, ResourceHandle.self), client = try required(client, OAuthClient.self)
        let out = try required(out)
        out.pointee = retained(try client.signIn(resource: handle.url,
                                                 options: signInOptions(handle, browser, program, timeoutMilliseconds)))
    }
}

@_cdecl("pkce_resource_next_request") @implementation
public func pkce_resource_next_request(_ resource: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let handle = try required(resource, ResourceHandle.self), out = try required(out)
        if handle.discovery == nil {
            let discovery = try ResourceDiscovery(resource: handle.url, challenge: handle.options.challenge)
            discovery.preferredIssuer = handle.options.preferredIssuer
            handle.discovery = discovery
        }
        guard let request = try handle.discovery?.nextRequest() else { throw PKCEError(.notFound, "discovery is done") }
        out.pointee = retained(request)
    }
}

@_cdecl("pkce_resource_handle_response") @implementation
public func pkce_resource_handle_response(_ resource: OpaquePointer?, _ httpStatus: Int32, _ wwwAuthenticate: UnsafePointer<CChar>?,
                                          _ body: UnsafePointer<CChar>?, _ bodyLength: Int,
                                          _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let handle = try required(resource, ResourceHandle.self)
        guard let discovery = handle.discovery else {
            throw PKCEError(.invalidArgument, "no request to answer: call pkce_resource_next_request first")
        }
        let bytes = try body.map { (body) throws(PKCEError) in try byteBuffer(body, bodyLength) } ?? UnsafeBufferPointer(start: nil, count: 0)
        try discovery.handle(httpStatus: Int(httpStatus), wwwAuthenticate: try optionalString(wwwAuthenticate).map { [$0] } ?? [],
                             body: bytes)
    }
}

@_cdecl("pkce_resource_registration_request") @implementation
public func pkce_resource_registration_request(_ resource: OpaquePointer?, _ redirectURI: UnsafePointer<CChar>?,
                                               _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let handle = try required(resource, ResourceHandle.self), out = try required(out)
        let found = try handle.discovered()
        let scope = handle.options.scope(for: found, granted: nil)
        out.pointee = retained(try found.registrationRequest(redirectURI: string(redirectURI), clientName: handle.options.clientName,
                                                             scope: scope))
    }
}

@_cdecl("pkce_resource_handle_registration") @implementation
public func pkce_resource_handle_registration(_ resource: OpaquePointer?, _ redirectURI: UnsafePointer<CChar>?, _ httpStatus: Int32,
                                              _ body: UnsafePointer<CChar>?, _ bodyLength: Int,
                                              _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let handle = try required(resource, ResourceHandle.self), body = try required(body)
        let found = try handle.discovered()
        let scope = handle.options.scope(for: found, granted: nil)
        handle.registration = try ClientRegistration(httpStatus: Int(httpStatus), body: byteBuffer(body, bodyLength),
                                                     issuer: found.issuer, redirectURI: string(redirectURI), scope: scope)
    }
}

@_cdecl("pkce_resource_configure") @implementation
public func pkce_resource_configure(_ resource: OpaquePointer?, _ client: OpaquePointer?, _ redirectURI: UnsafePointer<CChar>?,
                                    _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let handle = try required(resource, ResourceHandle.self), client = try required(client, OAuthClient.self)
        let found = try handle.discovered(), redirectURI = try string(redirectURI)
        let clientID: String
        if let registration = handle.registration {
            clientID = registration.clientID
        } else if let given = handle.options.clientID {
            clientID = given.hasPrefix("https://") && found.acceptsClientIDMetadataDocument
                ? try found.metadataDocumentClient(given, redirectURI: redirectURI).clientID : given
        } else {
            throw PKCEError(.registration, "no client: set a client id or register (pkce_resource_registration_request)")
        }
        let scope = handle.options.scope(for: found, granted: nil)
        client.configuration = try found.configuration(clientID: clientID, redirectURI: redirectURI, scope: scope,
                                                       settingsOf: client.configuration)
    }
}

@_cdecl("pkce_token_source_set_step_up") @implementation
public func pkce_token_source_set_step_up(_ source: OpaquePointer?, _ resource: OpaquePointer?, _ browser: pkce_browser,
                                          _ program: UnsafePointer<CChar>?, _ timeoutMilliseconds: Int32) -> pkce_status {
    status { () throws(PKCEError) in
        let source = try required(source, TokenSource.self)
        guard let resource else {
            source.stepUp = nil
            return
        }
        let handle = try required(resource, ResourceHandle.self)
        source.stepUp(signingInTo: handle.url, options: try signInOptions(handle, browser, program, timeoutMilliseconds))
    }
}

@_cdecl("pkce_challenge_param") @implementation
public func pkce_challenge_param(_ wwwAuthenticate: UnsafePointer<CChar>?, _ name: UnsafePointer<CChar>?,
                                 _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                 _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let out = try required(out), name = try string(name).lowercased()
        let challenges = try AuthenticationChallenge.parse(string(wwwAuthenticate))
        guard let challenge = challenges.first(where: { $0.isScheme("Bearer") || $0.isScheme("DPoP") }) else {
            throw PKCEError(.notFound, "WWW-Authenticate holds no Bearer or DPoP challenge")
        }
        guard let value = challenge[name] else { throw PKCEError(.notFound, "the challenge has no parameter '\(PKCEError.printable(name))'") }
        out.pointee = try SecureBytes(value).withBytes { (bytes) throws(PKCEError) in try handedOut(bytes) }
    }
}

@_cdecl("pkce_token_source_fetch") @implementation
public func pkce_token_source_fetch(_ source: OpaquePointer?, _ method: UnsafePointer<CChar>?, _ url: UnsafePointer<CChar>?,
                                    _ headers: UnsafePointer<UnsafePointer<CChar>?>?, _ headerCount: Int,
                                    _ body: UnsafePointer<CChar>?, _ bodyLength: Int,
                                    _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                    _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let source = try required(source, TokenSource.self), out = try required(out)
        guard headerCount >= 0, headerCount == 0 || headers != nil else { throw PKCEError(.invalidArgument, "headers is NULL") }
        var fields: [(name: String, value: String)] = []
        for index in 0..<headerCount {
            let line = try string(headers?[index])
            guard let colon = line.firstIndex(of: ":") else {
                throw PKCEError(.invalidArgument, "header \(index) is not \"Name: value\"")
            }
            fields.append((String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" })))
        }
        let payload = try body.map { (body) throws(PKCEError) in try byteBuffer(body, bodyLength) }
            ?? UnsafeBufferPointer(start: nil, count: 0)
        let response = try source.send(method: string(method), url: string(url), headers: fields, body: payload)
        out.pointee = retained(try ResponseHandle(response))
    }
}

@_cdecl("pkce_http_response_free") @implementation
public func pkce_http_response_free(_ response: OpaquePointer?) {
    release(response, ResponseHandle.self)
}

@_cdecl("pkce_http_response_status") @implementation
public func pkce_http_response_status(_ response: OpaquePointer?) -> Int32 {
    Int32(object(response, ResponseHandle.self)?.response.status ?? 0)
}

@_cdecl("pkce_http_response_body") @implementation
public func pkce_http_response_body(_ response: OpaquePointer?, _ length: UnsafeMutablePointer<Int>?) -> UnsafePointer<CChar>? {
    guard let handle = object(response, ResponseHandle.self) else { return nil }
    length?.pointee = handle.response.body.count
    return borrowed(handle.response.body)
}

@_cdecl("pkce_http_response_content_type") @implementation
public func pkce_http_response_content_type(_ response: OpaquePointer?) -> UnsafePointer<CChar>? {
    borrowed(object(response, ResponseHandle.self)?.contentType)
}

@_cdecl("pkce_http_response_www_authenticate") @implementation
public func pkce_http_response_www_authenticate(_ response: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    guard let handle = object(response, ResponseHandle.self), index >= 0, index < handle.wwwAuthenticate.count else { return nil }
    return borrowed(handle.wwwAuthenticate[index])
}
