#if canImport(Glibc)
import Glibc
#endif
import CSecret
import PKCE

/// Tokens kept by the desktop's Secret Service (GNOME Keyring, KWallet,
/// KeePassXC), through libsecret, loaded on first use. One item per account,
/// its attributes the entry's key (issuer, client id, subject, resource) and
/// its secret the entry as `FileTokenStore` writes it, so that `secret-tool
/// search kind token` shows what is kept; records (discovery, registrations)
/// are items too. Every call ends within `timeoutMilliseconds`, with its own
/// status when there is no session bus, no Secret Service, or no answer
/// (a hung service, or a locked keyring that would prompt where no one sees
/// it); nothing falls back to a file. The cross-process refresh lock is a
/// file in `$XDG_RUNTIME_DIR` (else `~/.cache`).
public final class SecretServiceTokenStore: TokenStore, @unchecked Sendable {
    /// How long one call may take (default 3 s).
    public let timeoutMilliseconds: Int
    let lockPath: String

    public init(timeoutMilliseconds: Int = 3000) throws(PKCEError) {
        guard timeoutMilliseconds > 0 else { throw PKCEError(.invalidArgument, "the keyring timeout must be positive") }
        self.timeoutMilliseconds = timeoutMilliseconds
        if let runtime = getenv("XDG_RUNTIME_DIR").map({ String(cString: $0) }), !runtime.isEmpty {
            lockPath = runtime + "/libpkce-keyring.lock"
        } else if let home = getenv("HOME").map({ String(cString: $0) }), !home.isEmpty {
            mkdir(home + "/.cache", 0o700)
            lockPath = home + "/.cache/libpkce-keyring.lock"
        } else {
            throw PKCEError(.store, "neither XDG_RUNTIME_DIR nor HOME is set: there is nowhere for the keyring's lock")
        }
    }

    /// Whether libsecret is loaded in this process: a program that never uses the keyring never loads it.
    public static var libraryLoaded: Bool { lpk_secret_loaded() != 0 }

    public func withLock<R>(_ body: () throws(PKCEError) -> R) throws(PKCEError) -> R {
        try FileTokenStore.withLockFile(lockPath, body)
    }

    public func load(_ key: StoredToken.Key) throws(PKCEError) -> StoredToken? {
        guard let secret = try lookup(Self.attributes(of: key)) else { return nil }
        return try Self.entry(secret)
    }

    public func loadAll() throws(PKCEError) -> [StoredToken] {
        try search(["kind", "token"]).map { (secret) throws(PKCEError) in try Self.entry(secret) }
    }

    public func save(_ token: StoredToken) throws(PKCEError) {
        if !token.key.resource.isEmpty {  // only then can another entry be replaced
            for old in try loadAll() where old.key != token.key && token.key.replaces(old.key) { try remove(old.key) }
        }
        var out = try ByteWriter(capacity: 512 + token.accessToken.count + (token.refreshToken?.count ?? 0) + (token.idToken?.count ?? 0))
        try token.appendJSON(to: &out)
        let who = token.key.subject.isEmpty ? token.key.clientID : token.key.subject
        try store(Self.attributes(of: token.key), label: "pkce: \(who) at \(token.key.resource.isEmpty ? token.key.issuer : token.key.resource)",
                  secret: out.finish())
    }

    public func remove(_ key: StoredToken.Key) throws(PKCEError) {
        try call { message, size in
            Self.withAttributes(Self.attributes(of: key)) { lpk_secret_clear($0, Int32(timeoutMilliseconds), message, size) }
        }
    }

    public func loadRecord(kind: String, key: String) throws(PKCEError) -> [UInt8]? {
        try lookup(["kind", "record-" + kind, "key", key]).map { Array($0.buffer) }
    }

    public func saveRecord(kind: String, key: String, json: [UInt8]) throws(PKCEError) {
        let secret = try json.withUnsafeBufferPointer { (bytes) throws(PKCEError) in try SecureBytes(bytes) }
        try store(["kind", "record-" + kind, "key", key], label: "pkce: \(kind) of \(key)", secret: secret)
    }

    /// Fails now when the Secret Service cannot be reached (no bus, no service, no answer).
    public func checkWritable() throws(PKCEError) {
        _ = try lookup(["kind", "probe"])
    }

    // MARK: the calls

    private static func attributes(of key: StoredToken.Key) -> [String] {
        ["kind", "token", "issuer", key.issuer, "client_id", key.clientID, "subject", key.subject, "resource", key.resource]
    }

    private static func entry(_ secret: SecureBytes) throws(PKCEError) -> StoredToken {
        let invalid = PKCEError(.store, "a keyring item of libpkce's holds no token entry")
        guard let document = try? JSONDocument(parsing: secret.buffer) else { throw invalid }
        return try StoredToken(document, document.root, invalid: invalid)
    }

    private func store(_ attributes: [String], label: String, secret: SecureBytes) throws(PKCEError) {
        try call { message, size in
            Self.withAttributes(attributes) { lpk_secret_store($0, label, secret.cString, Int32(timeoutMilliseconds), message, size) }
        }
    }

    private func lookup(_ attributes: [String]) throws(PKCEError) -> SecureBytes? {
        var found: UnsafeMutablePointer<CChar>?
        do {
            try call { message, size in
                Self.withAttributes(attributes) { lpk_secret_lookup($0, &found, Int32(timeoutMilliseconds), message, size) }
            }
        } catch where error.code == .notFound {
            return nil
        }
        guard let found else { return nil }
        defer {
            wipe(found, strlen(found))
            free(found)
        }
        return try SecureBytes(UnsafeBufferPointer(start: UnsafeRawPointer(found).assumingMemoryBound(to: UInt8.self), count: strlen(found)))
    }

    private func search(_ attributes: [String]) throws(PKCEError) -> [SecureBytes] {
        final class Found { var secrets: [SecureBytes] = []; var failed = false }
        let found = Found()
        try call { message, size in
            Self.withAttributes(attributes) { array in
                lpk_secret_search(array, { user, secret in
                    guard let user, let secret else { return }
                    let found = Unmanaged<Found>.fromOpaque(user).takeUnretainedValue()
                    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(secret).assumingMemoryBound(to: UInt8.self),
                                                    count: strlen(secret))
                    if let copy = try? SecureBytes(bytes) { found.secrets.append(copy) } else { found.failed = true }
                }, Unmanaged.passUnretained(found).toOpaque(), Int32(timeoutMilliseconds), message, size)
            }
        }
        guard !found.failed else { throw PKCEError(.outOfMemory) }
        return found.secrets
    }

    /// Runs one libsecret call and turns its result into a status.
    private func call(_ body: (UnsafeMutablePointer<CChar>, Int) -> lpk_secret_result) throws(PKCEError) {
        var message = [CChar](repeating: 0, count: 512)
        let result = message.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        switch result {
        case LPK_SECRET_OK: return
        case LPK_SECRET_NOT_FOUND: throw PKCEError(.notFound, "the keyring holds no such item")
        case LPK_SECRET_NO_LIBRARY, LPK_SECRET_NO_BUS, LPK_SECRET_NO_SERVICE: throw PKCEError(.keyringUnavailable, text)
        case LPK_SECRET_TIMEOUT: throw PKCEError(.keyringTimeout, text)
        case LPK_SECRET_LOCKED: throw PKCEError(.keyringLocked, text)
        default: throw PKCEError(.store, text)
        }
    }

    /// Runs `body` with the attributes as the NULL-terminated array of C strings the shim takes.
    private static func withAttributes<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let array: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } } + [nil]
        return array.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
