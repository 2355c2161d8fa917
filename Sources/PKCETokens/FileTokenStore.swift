#if canImport(Glibc)
import Glibc
#endif
import PKCE

/// Tokens in one JSON file, mode 0600, several accounts side by side:
///
///     {"libpkce_tokens":1,"entries":[{"issuer":"...","client_id":"...","subject":"...","resource":"...",
///      "token_endpoint":"...","access_token":"...","refresh_token":"...","id_token":"...","token_type":"Bearer",
///      "scope":"...","expires_at":1764412345}],
///      "records":[{"kind":"resource","key":"https://...","value":{...}}]}
///
/// `resource` is there for tokens bound to a resource (RFC 8707); `records`
/// (what discovery found, client registrations) when a sign-in kept some.
///
/// Written whole to a temporary file in the same directory, flushed and
/// renamed over the old one, so a reader sees the old file or the new one,
/// never half of one. `FILE.lock` carries an advisory lock (flock) that
/// each refresh holds, in this process and others.
public final class FileTokenStore: TokenStore, @unchecked Sendable {
    public let path: String
    static let formatVersion = 1

    public init(path: String) throws(PKCEError) {
        guard !path.isEmpty, !path.utf8.contains(0) else { throw PKCEError(.invalidArgument, "the token file path is empty") }
        self.path = path
    }

    public func withLock<R>(_ body: () throws(PKCEError) -> R) throws(PKCEError) -> R {
        try Self.withLockFile(path + ".lock", body)
    }

    /// Runs `body` holding an advisory lock (flock) on `lockPath`, made 0600 if need be.
    static func withLockFile<R>(_ lockPath: String, _ body: () throws(PKCEError) -> R) throws(PKCEError) -> R {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw failure("cannot open", lockPath) }
        defer { close(fd) }  // closing releases the lock
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw failure("cannot lock", lockPath) }
        }
        return try body()
    }

    public func load(_ key: StoredToken.Key) throws(PKCEError) -> StoredToken? {
        try loadAll().first { $0.key == key }
    }

    public func loadAll() throws(PKCEError) -> [StoredToken] {
        try contents().entries
    }

    public func save(_ token: StoredToken) throws(PKCEError) {
        var contents = try contents()
        contents.entries.removeAll { token.key.replaces($0.key) }
        contents.entries.append(token)
        try write(Self.serialized(contents))
    }

    public func remove(_ key: StoredToken.Key) throws(PKCEError) {
        var contents = try contents()
        guard contents.entries.contains(where: { $0.key == key }) else {
            throw PKCEError(.notFound, "the store holds no entry for this issuer, client, subject and resource")
        }
        contents.entries.removeAll { $0.key == key }
        try write(Self.serialized(contents))
    }

    public func loadRecord(kind: String, key: String) throws(PKCEError) -> [UInt8]? {
        try contents().records.first { $0.kind == kind && $0.key == key }?.json
    }

    public func saveRecord(kind: String, key: String, json: [UInt8]) throws(PKCEError) {
        let isObject = json.withUnsafeBufferPointer { buffer in (try? JSONDocument(parsing: buffer)).map { $0.nodes[$0.root].kind == .object } ?? false }
        guard isObject else {
            throw PKCEError(.invalidArgument, "a store record is a JSON object")
        }
        var contents = try contents()
        contents.records.removeAll { $0.kind == kind && $0.key == key }
        contents.records.append(Record(kind: kind, key: key, json: json))
        try write(Self.serialized(contents))
    }

    /// A record as the file keeps it; its value is JSON text, written as is.
    struct Record {
        var kind: String
        var key: String
        var json: [UInt8]
    }

    private func contents() throws(PKCEError) -> (entries: [StoredToken], records: [Record]) {
        guard let contents = try read() else { return ([], []) }
        return try Self.parse(contents, path: path)
    }

    // MARK: the file

    static func failure(_ what: String, _ file: String, _ code: Int32 = errno) -> PKCEError {
        PKCEError(.store, "\(what) \(PKCEError.printable(file, limit: 200)): \(String(cString: strerror(code)))")
    }

    public func checkWritable() throws(PKCEError) {
        let (fd, temporary) = try createTemporary()
        close(fd)
        unlink(temporary)
    }

    /// Whether users other than the owner may read the file (its tokens are
    /// as good as a password): worth a warning, as ssh gives for a key. nil
    /// when there is no file yet.
    public func readableByOthers() throws(PKCEError) -> Bool? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw Self.failure("cannot open", path)
        }
        return info.st_mode & 0o044 != 0
    }

    /// The whole file in wiped memory; nil when there is none yet. A file
    /// another user owns or may write is refused: its tokens could be
    /// planted (a token of the attacker's account, or for its server).
    private func read() throws(PKCEError) -> SecureBytes? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw Self.failure("cannot open", path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Self.failure("cannot open", path) }
        let name = PKCEError.printable(path, limit: 200)
        guard info.st_uid == geteuid() else {
            throw PKCEError(.store, "\(name) belongs to another user (uid \(info.st_uid)); refusing its tokens")
        }
        guard info.st_mode & 0o022 == 0 else {
            throw PKCEError(.store, "\(name) may be written by other users (mode \(String(info.st_mode & 0o777, radix: 8))); "
                            + "refusing its tokens: chmod 600 \(name)")
        }
        var writer = try ByteWriter(capacity: 4096)
        var buffer = [UInt8](repeating: 0, count: 4096)
        defer { wipe(&buffer, buffer.count) }
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.failure("cannot read", path)
            }
            if n == 0 { break }
            buffer.withUnsafeBufferPointer { writer.append(UnsafeBufferPointer(rebasing: $0.prefix(n))) }
            guard writer.count <= HTTPResponse.maxBodyBytes else {
                throw PKCEError(.store, "\(PKCEError.printable(path, limit: 200)) is larger than a token file can be")
            }
        }
        return try writer.finish()
    }

    /// A new file beside the store, under a random name, created here
    /// (O_EXCL: never a file or link someone put there first) with mode 0600
    /// from the start (O_CREAT's mode can only lose bits to the umask).
    private func createTemporary() throws(PKCEError) -> (Int32, String) {
        let temporary = path + ".tmp." + (try PKCE.randomString(length: 22))
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw Self.failure("cannot create", temporary) }
        return (fd, temporary)
    }

    /// Temporary file, flushed, renamed over the old one: all or nothing.
    private func write(_ contents: SecureBytes) throws(PKCEError) {
        let (fd, temporary) = try createTemporary()
        var written = 0
        while written < contents.count {
            let n = Glibc.write(fd, contents.base + written, contents.count - written)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let code = errno
                close(fd)
                unlink(temporary)
                throw Self.failure("cannot write", temporary, code)
            }
            written += n
        }
        // fchmod: a umask such as 0277 would have taken the owner's bits.
        guard fchmod(fd, 0o600) == 0, fsync(fd) == 0 else {
            let code = errno
            close(fd)
            unlink(temporary)
            throw Self.failure("cannot flush", temporary, code)
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw Self.failure("cannot replace", path, code)
        }
    }

    // MARK: the format

    private static func serialized(_ contents: (entries: [StoredToken], records: [Record])) throws(PKCEError) -> SecureBytes {
        let entries = contents.entries
        var out = try ByteWriter(capacity: 512 * max(entries.count, 1) + contents.records.reduce(0) { $0 + $1.json.count + 256 })
        out.append("{\"libpkce_tokens\":\(formatVersion),\"entries\":[")
        for (i, entry) in entries.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            try entry.appendJSON(to: &out)
        }
        out.append("]")
        if !contents.records.isEmpty {
            out.append(",\"records\":[")
            for (i, record) in contents.records.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append("{\"kind\":")
                out.appendJSONString(record.kind)
                out.append(",\"key\":")
                out.appendJSONString(record.key)
                out.append(",\"value\":")
                record.json.withUnsafeBufferPointer { out.append($0) }
                out.append(UInt8(ascii: "}"))
            }
            out.append("]")
        }
        out.append("}\n")
        return try out.finish()
    }

    private static func parse(_ contents: SecureBytes, path: String) throws(PKCEError) -> ([StoredToken], [Record]) {
        let invalid = PKCEError(.store, "\(PKCEError.printable(path, limit: 200)) is not a libpkce token file")
        let document: JSONDocument
        do { document = try JSONDocument(parsing: contents.buffer) } catch { throw invalid }
        guard document.nodes[document.root].kind == .object,
              let version = document.member("libpkce_tokens"),
              String(decoding: document.text(version), as: UTF8.self) == "\(formatVersion)",
              let list = document.member("entries"), document.nodes[list].kind == .array else { throw invalid }
        var result: [StoredToken] = []
        for entry in document.elements(of: list) {
            result.append(try StoredToken(document, entry, invalid: invalid))
        }
        var records: [Record] = []
        if let list = document.member("records") {
            guard document.nodes[list].kind == .array else { throw invalid }
            for record in document.elements(of: list) {
                guard document.nodes[record].kind == .object,
                      let kind = try document.stringMember("kind", of: record, wrongType: invalid),
                      let key = try document.stringMember("key", of: record, wrongType: invalid),
                      let value = document.member("value", of: record), document.nodes[value].kind == .object else { throw invalid }
                records.append(Record(kind: kind.string, key: key.string, json: Array(document.text(value))))
            }
        }
        return (result, records)
    }
}
