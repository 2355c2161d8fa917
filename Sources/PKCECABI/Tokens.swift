import CPKCEHeader
import PKCE
import PKCETokens
import PKCETransport

@_cdecl("pkce_token_store_open_file") @implementation
public func pkce_token_store_open_file(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let out = try required(out)
        out.pointee = retained(try FileTokenStore(path: string(path)))
    }
}

@_cdecl("pkce_token_store_open_keyring") @implementation
public func pkce_token_store_open_keyring(_ timeoutMilliseconds: Int32, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status { () throws(PKCEError) in
        let out = try required(out)
        out.pointee = retained(try SecretServiceTokenStore(timeoutMilliseconds: timeoutMilliseconds == 0 ? 3000 : Int(timeoutMilliseconds)))
    }
}

// A pkce_token_store handle is a FileTokenStore or a SecretServiceTokenStore.

func tokenStore(_ handle: OpaquePointer?) -> TokenStore? {
    handle.flatMap { Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() as? TokenStore }
}

func requiredStore(_ handle: OpaquePointer?) throws(PKCEError) -> TokenStore {
    guard let store = tokenStore(handle) else { throw PKCEError(.invalidArgument) }
    return store
}

@_cdecl("pkce_token_store_free") @implementation
public func pkce_token_store_free(_ store: OpaquePointer?) {
    store.map { Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer($0)).release() }
}

@_cdecl("pkce_token_store_check") @implementation
public func pkce_token_store_check(_ store: OpaquePointer?, _ readableByOthers: UnsafeMutablePointer<Int32>?,
                                   _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let store = try requiredStore(store)
        _ = try store.loadAll()
        try store.withLock { () throws(PKCEError) in try store.checkWritable() }
        let readable = try (store as? FileTokenStore)?.readableByOthers() ?? false
        readableByOthers?.pointee = readable ? 1 : 0
    }
}

/// Entry `index` of the store behind the handle; `.notFound` past the last.
private func entry(_ store: OpaquePointer?, _ index: Int) throws(PKCEError) -> StoredToken {
    let entries = try requiredStore(store).loadAll()
    guard index >= 0, index < entries.count else { throw PKCEError(.notFound, "the store has \(entries.count) entries") }
    return entries[index]
}

@_cdecl("pkce_token_store_entry") @implementation
public func pkce_token_store_entry(_ store: OpaquePointer?, _ index: Int,
                                   _ clientID: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                   _ tokenEndpoint: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                   _ issuer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                   _ subject: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                   _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let entry = try entry(store, index)
        // All four copies first, so that a failure hands out none.
        var copies: [UnsafeMutablePointer<CChar>] = []
        for text in [entry.key.clientID, entry.tokenEndpoint ?? "", entry.key.issuer, entry.key.subject] {
            do throws(PKCEError) {
                copies.append(try SecureBytes(text).withBytes(handedOut))
            } catch {
                copies.forEach(releaseHandedOut)
                throw error
            }
        }
        for (slot, copy) in zip([clientID, tokenEndpoint, issuer, subject], copies) {
            if let slot { slot.pointee = copy } else { releaseHandedOut(copy) }
        }
    }
}

@_cdecl("pkce_token_store_entry_resource") @implementation
public func pkce_token_store_entry_resource(_ store: OpaquePointer?, _ index: Int,
                                            _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                            _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let out = try required(out)
        out.pointee = try SecureBytes(entry(store, index).key.resource).withBytes(handedOut)
    }
}

@_cdecl("pkce_token_store_remove") @implementation
public func pkce_token_store_remove(_ store: OpaquePointer?, _ index: Int, _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let key = try entry(store, index).key
        let store = try requiredStore(store)
        try store.withLock { () throws(PKCEError) in try store.remove(key) }
    }
}

@_cdecl("pkce_token_store_token") @implementation
public func pkce_token_store_token(_ store: OpaquePointer?, _ index: Int, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                   _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let out = try required(out)
        out.pointee = retained(try entry(store, index).asTokenResponse(at: TokenSource.systemTime()))
    }
}

@_cdecl("pkce_token_source_new") @implementation
public func pkce_token_source_new(_ client: OpaquePointer?, _ token: OpaquePointer?, _ store: OpaquePointer?,
                                  _ subject: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                  _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        let client = try required(client, OAuthClient.self), out = try required(out)
        let source = try TokenSource(client: client, token: object(token, TokenResponse.self),
                                     store: tokenStore(store), subject: optionalString(subject))
        out.pointee = retained(source)
    }
}

@_cdecl("pkce_token_source_free") @implementation
public func pkce_token_source_free(_ source: OpaquePointer?) {
    release(source, TokenSource.self)
}

@_cdecl("pkce_token_source_set_leeway") @implementation
public func pkce_token_source_set_leeway(_ source: OpaquePointer?, _ seconds: Int64) -> pkce_status {
    status { () throws(PKCEError) in
        guard seconds >= 0 else { throw PKCEError(.invalidArgument, "the leeway is negative") }
        try required(source, TokenSource.self).leeway = seconds
    }
}

@_cdecl("pkce_token_source_set_time") @implementation
public func pkce_token_source_set_time(_ source: OpaquePointer?, _ unixSeconds: Int64) -> pkce_status {
    status { () throws(PKCEError) in
        guard unixSeconds >= 0 else { throw PKCEError(.invalidArgument, "the time is negative") }
        let source = try required(source, TokenSource.self)
        source.fixedTime = unixSeconds == 0 ? nil : unixSeconds
    }
}

@_cdecl("pkce_token_source_on_refresh") @implementation
public func pkce_token_source_on_refresh(_ source: OpaquePointer?, _ function: pkce_token_refreshed_fn?,
                                         _ userData: UnsafeMutableRawPointer?) -> pkce_status {
    status { () throws(PKCEError) in
        let source = try required(source, TokenSource.self)
        guard let function else {
            source.onRefresh = nil
            return
        }
        // The caller's pointer, carried as a number so that the closure is Sendable.
        let context = UInt(bitPattern: userData)
        source.onRefresh = { (answer: TokenResponse) in
            function(OpaquePointer(Unmanaged.passUnretained(answer).toOpaque()), UnsafeMutableRawPointer(bitPattern: context))
        }
    }
}

@_cdecl("pkce_token_source_access_token") @implementation
public func pkce_token_source_access_token(_ source: OpaquePointer?, _ out: UnsafeMutablePointer<CChar>?, _ outSize: Int,
                                           _ length: UnsafeMutablePointer<Int>?,
                                           _ error: UnsafeMutablePointer<OpaquePointer?>?) -> pkce_status {
    status(detail: error) { () throws(PKCEError) in
        guard let source else { throw PKCEError(.invalidArgument) }
        let out = try required(out)
        // Borrowed, not retained: eight threads asking at once would otherwise
        // contend for the source's reference count on every call.
        let copied = Unmanaged<TokenSource>.fromOpaque(UnsafeRawPointer(source))._withUnsafeGuaranteedRef { source in
            Result { () throws(PKCEError) in try source.copyAccessToken(into: UnsafeMutableRawBufferPointer(start: out, count: outSize)) }
        }
        let count = try copied.get()  // not on the right of `length?.pointee =`, which skips it when length is NULL
        length?.pointee = count
    }
}
