import PKCE
import PKCETransport

extension TokenSource {
    /// Sends a request to the resource the tokens are for, with the access
    /// token (RFC 6750 2.1), refreshed first when due. A 401 whose challenge
    /// says `invalid_token` (or names no error) is answered once with a
    /// refresh and the same request again; any other answer, a 403
    /// `insufficient_scope` included, is returned as it came. A URL outside
    /// the tokens' resource (RFC 8707) is `.resourceMismatch`: the token is
    /// never shown to another server.
    public func send(method: String, url: String, headers: [(name: String, value: String)] = [],
                     body: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: nil, count: 0)) throws(PKCEError) -> HTTPResponse {
        if !key.resource.isEmpty, !ProtectedResource.covers(key.resource, url) {
            throw PKCEError(.resourceMismatch, "the tokens are for \(PKCEError.printable(key.resource, limit: 200)), "
                            + "not \(PKCEError.printable(url, limit: 200))")
        }
        var token = try self.token()
        var retried = false
        while true {
            let request = try HTTPRequest.resource(method: method, url: url, body: body)
            for (name, value) in headers {
                try SecureBytes(value).withBytes { (bytes) throws(PKCEError) in try request.addHeader(name, bytes) }
            }
            var authorization = try ByteWriter(capacity: token.accessToken.count + 8)
            authorization.append("Bearer ")
            authorization.append(token.accessToken.buffer)
            try authorization.finish().withBytes { (bytes) throws(PKCEError) in try request.addHeader("Authorization", bytes) }
            let response = try client.send(request)
            guard !retried, response.status == 401,
                  (try? ResourceChallenge(headers: response.wwwAuthenticate))??.error ?? "invalid_token" == "invalid_token",
                  token.refreshToken != nil else { return response }
            client.configuration.log?(.info, "resource: the token was refused (HTTP 401); refreshing and trying once more")
            token = try self.token(replacing: token.accessToken)
            retried = true
        }
    }
}
