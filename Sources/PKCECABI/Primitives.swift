import CPKCEHeader
import PKCE

@_cdecl("pkce_verifier_min_length") @implementation
public func pkce_verifier_min_length() -> Int { PKCE.verifierLengths.lowerBound }

@_cdecl("pkce_verifier_max_length") @implementation
public func pkce_verifier_max_length() -> Int { PKCE.verifierLengths.upperBound }

@_cdecl("pkce_verifier_generate") @implementation
public func pkce_verifier_generate(_ length: Int, _ out: UnsafeMutablePointer<CChar>?, _ outSize: Int) -> pkce_status {
    writeRandomCString(length, PKCE.verifierLengths, .verifierLength, out, outSize)
}

@_cdecl("pkce_verifier_check") @implementation
public func pkce_verifier_check(_ verifier: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in
        // One byte past the longest verifier: enough to tell "too long" without reading further.
        try PKCE.checkVerifier(bytes(required(verifier), maxLength: PKCE.verifierLengths.upperBound + 1))
    }
}

@_cdecl("pkce_challenge_derive") @implementation
public func pkce_challenge_derive(_ verifier: UnsafePointer<CChar>?, _ method: pkce_method,
                                  _ out: UnsafeMutablePointer<CChar>?, _ outSize: Int) -> pkce_status {
    status { () throws(PKCEError) in
        let verifier = bytes(try required(verifier), maxLength: PKCE.verifierLengths.upperBound + 1)
        try PKCE.checkVerifier(verifier)
        let out = try required(out)
        try withUInt8(out) { out throws(PKCEError) in
            switch method {
            case PKCE_METHOD_S256:
                try checkCapacity(PKCE.s256ChallengeLength, outSize)
                PKCE.writeS256Challenge(of: verifier, into: out)
                out[PKCE.s256ChallengeLength] = 0
            case PKCE_METHOD_PLAIN:
                try checkCapacity(verifier.count, outSize)
                if let source = verifier.baseAddress { out.update(from: source, count: verifier.count) }
                out[verifier.count] = 0
            default:
                throw PKCEError(.methodUnsupported)
            }
        }
    }
}

@_cdecl("pkce_pair_generate") @implementation
public func pkce_pair_generate(_ length: Int, _ verifier: UnsafeMutablePointer<CChar>?, _ verifierSize: Int,
                               _ challenge: UnsafeMutablePointer<CChar>?, _ challengeSize: Int) -> pkce_status {
    status { () throws(PKCEError) in
        guard PKCE.verifierLengths.contains(length) else { throw PKCEError(.verifierLength) }
        let verifier = try required(verifier), challenge = try required(challenge)
        try checkCapacity(length, verifierSize)
        try checkCapacity(PKCE.s256ChallengeLength, challengeSize)
        try withUInt8(verifier) { v throws(PKCEError) in
            try PKCE.writeVerifier(length: length, into: v)
            v[length] = 0
            withUInt8(challenge) { c in
                PKCE.writeS256Challenge(of: UnsafeBufferPointer(start: v, count: length), into: c)
                c[PKCE.s256ChallengeLength] = 0
            }
        }
    }
}

@_cdecl("pkce_random_string") @implementation
public func pkce_random_string(_ length: Int, _ out: UnsafeMutablePointer<CChar>?, _ outSize: Int) -> pkce_status {
    writeRandomCString(length, PKCE.randomStringLengths, .length, out, outSize)
}

/// `length` random base64url characters and a NUL into a caller's buffer,
/// checked in the order the header documents: length, buffer, size.
private func writeRandomCString(_ length: Int, _ lengths: ClosedRange<Int>, _ lengthError: PKCEError.Code,
                                _ out: UnsafeMutablePointer<CChar>?, _ outSize: Int) -> pkce_status {
    status { () throws(PKCEError) in
        guard lengths.contains(length) else { throw PKCEError(lengthError) }
        let out = try required(out)
        try checkCapacity(length, outSize)
        try withUInt8(out) { out throws(PKCEError) in
            try PKCE.writeRandomCharacters(length, into: out)
            out[length] = 0
        }
    }
}

@_cdecl("pkce_state_check") @implementation
public func pkce_state_check(_ expected: UnsafePointer<CChar>?, _ received: UnsafePointer<CChar>?) -> pkce_status {
    status { () throws(PKCEError) in
        let expected = bytes(try required(expected)), received = bytes(try required(received))
        guard !received.isEmpty, PKCE.constantTimeEquals(expected, received) else { throw PKCEError(.stateMismatch) }
    }
}

/// A caller's char buffer seen as bytes.
private func withUInt8<R, E: Error>(_ p: UnsafeMutablePointer<CChar>, _ body: (UnsafeMutablePointer<UInt8>) throws(E) -> R) throws(E) -> R {
    try body(UnsafeMutableRawPointer(p).assumingMemoryBound(to: UInt8.self))
}
