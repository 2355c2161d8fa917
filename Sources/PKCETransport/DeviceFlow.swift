import PKCE
import PKCEOIDC

extension OAuthClient {
    /// Starts the device authorization grant (RFC 8628 3.1): show the user
    /// `userCode` and `verificationURI`, then call `pollDeviceAuthorization`.
    public func startDeviceAuthorization(scope: String? = nil) throws(PKCEError) -> DeviceAuthorization {
        let device = try DeviceAuthorization(send(configuration.deviceAuthorizationRequest(scope: scope)))
        configuration.log?(.info, "device: user code issued, verification at \(device.verificationURI.string), "
                            + "expires in \(device.expiresIn) s, polling every \(device.interval) s")
        return device
    }

    /// Polls the token endpoint until the user approves (the tokens), refuses
    /// (`.accessDenied`), the code expires (`.deviceExpired`, from the server
    /// or at `expiresIn`), or `cancellation` is raised (`.cancelled`). Waits
    /// `interval` between polls, 5 seconds more after each `slow_down`
    /// (RFC 8628 3.5). With an `openid` scope the ID token is verified as
    /// after a refresh: there is no nonce in this grant.
    public func pollDeviceAuthorization(_ device: DeviceAuthorization,
                                        cancellation: Cancellation? = nil) throws(PKCEError) -> TokenResponse {
        let log = configuration.log
        let deadline = Cancellation.now() + Int(device.expiresIn) * 1000
        while true {
            let wait = min(Int(device.interval) * 1000, max(deadline - Cancellation.now(), 0))
            if let cancellation {
                if cancellation.sleep(milliseconds: wait) {
                    log?(.info, "device: cancelled")
                    throw PKCEError(.cancelled)
                }
            } else {
                Cancellation.pause(milliseconds: wait)
            }
            guard Cancellation.now() < deadline else {
                log?(.warning, "device: the code expired after \(device.expiresIn) s without approval")
                throw PKCEError(.deviceExpired, "the device code expired after \(device.expiresIn) s without approval")
            }
            do {
                let request = try device.tokenRequest(configuration)
                let response = try checkBinding(device.tokens(from: send(request)), of: request)
                if configuration.isOpenID && response.idToken != nil {
                    try verifyIDToken(of: response, expecting: expectations(configuration, attempt: nil, accessToken: response.accessToken))
                }
                log?(.info, "device: approved")
                return response
            } catch where error.code == .authorizationPending || error.code == .slowDown {
                log?(.debug, "device: \(error.oauth?.error ?? "pending"); next poll in \(device.interval) s")
            }
        }
    }
}
