import CPKCEHeader
import PKCE

// Run-time twins of the header's size macros, for bindings that cannot read macros.

@_cdecl("pkce_verifier_min_length") @implementation
public func pkce_verifier_min_length() -> Int { PKCE.verifierLengths.lowerBound }

@_cdecl("pkce_verifier_max_length") @implementation
public func pkce_verifier_max_length() -> Int { PKCE.verifierLengths.upperBound }

@_cdecl("pkce_s256_challenge_length") @implementation
public func pkce_s256_challenge_length() -> Int { PKCE.s256ChallengeLength }

@_cdecl("pkce_random_min_length") @implementation
public func pkce_random_min_length() -> Int { PKCE.randomStringLengths.lowerBound }

@_cdecl("pkce_random_max_length") @implementation
public func pkce_random_max_length() -> Int { PKCE.randomStringLengths.upperBound }

@_cdecl("pkce_response_max_bytes") @implementation
public func pkce_response_max_bytes() -> Int { HTTPResponse.maxBodyBytes }

@_cdecl("pkce_verifier_generate") @implementation
public func pkce_verifier_generate(_ length: Int, _ out: UnsafeMutablePointer<CChar>?, _ outSize: Int) -> pkce_status {
    status { () throws(PKCEError) in
        try PKCE.writeRandomString(length: length, lengths: PKCE.verifierLengths, lengthError: .verifierLength,
                                   into: uint8(out), capacity: outSize)
    }
}

@_cdecl("pkce_verifier_check") @implementation
public func pkce_verifier_check(_ verifier: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in try PKCE.checkVerifier(verifierBytes(verifier)) }
}

@_cdecl("pkce_challenge_derive") @implementation
public func pkce_challenge_derive(_ verifier: UnsafePointer<CChar>?, _ method: pkce_method,
                                  _ out: UnsafeMutablePointer<CChar>?, _ outSize: Int) -> pkce_status {
    status { () throws(PKCEError) in
        try PKCE.writeChallenge(of: verifierBytes(verifier), method: ChallengeMethod(rawValue: Int32(bitPattern: method.rawValue)),
                                into: uint8(out), capacity: outSize)
    }
}

@_cdecl("pkce_pair_generate") @implementation
public func pkce_pair_generate(_ length: Int, _ verifier: UnsafeMutablePointer<CChar>?, _ verifierSize: Int,
                               _ challenge: UnsafeMutablePointer<CChar>?, _ challengeSize: Int) -> pkce_status {
    status { () throws(PKCEError) in
        try PKCE.writePair(length: length, verifier: uint8(verifier), verifierCapacity: verifierSize,
                           challenge: uint8(challenge), challengeCapacity: challengeSize)
    }
}

@_cdecl("pkce_random_string") @implementation
public func pkce_random_string(_ length: Int, _ out: UnsafeMutablePointer<CChar>?, _ outSize: Int) -> pkce_status {
    status { () throws(PKCEError) in
        try PKCE.writeRandomString(length: length, lengths: PKCE.randomStringLengths, lengthError: .length,
                                   into: uint8(out), capacity: outSize)
    }
}

@_cdecl("pkce_state_check") @implementation
public func pkce_state_check(_ expected: UnsafePointer<CChar>?, _ received: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in
        let expected = bytes(try required(expected)), received = bytes(try required(received))
        guard !received.isEmpty, PKCE.constantTimeEquals(expected, received) else { throw PKCEError(.stateMismatch) }
    }
}

/// A verifier argument, read up to one byte past the longest verifier:
/// enough to tell "too long" without reading further.
private func verifierBytes(_ verifier: UnsafePointer<CChar>?) throws(PKCEError) -> UnsafeBufferPointer<UInt8> {
    bytes(try required(verifier), maxLength: PKCE.verifierLengths.upperBound + 1)
}

/// A caller's char buffer seen as bytes.
private func uint8(_ p: UnsafeMutablePointer<CChar>?) -> UnsafeMutablePointer<UInt8>? {
    p.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: UInt8.self) }
}
