#if canImport(Glibc)
import Glibc
#endif
import PKCE

/// How the authorization URL reaches the user's browser. Programs are run
/// directly with posix_spawn and an argument vector, never through a shell,
/// so no character of the URL (quotes, `;`, `$()`, newlines) can run anything.
public enum Browser: Sendable {
    /// The user's choice: each command of `$BROWSER` (colon-separated; a `%s`
    /// argument is replaced by the URL, else the URL is appended), then
    /// `xdg-open`. When none can be started, or the launcher fails, the URL is
    /// printed on standard error for the user to open.
    case system
    /// This program, with the URL as its only argument.
    case program(String)
    /// No program: the URL is printed on standard error.
    case print

    /// Opens `url`. `.program` fails with `.browser` when the program cannot
    /// be started; `.system` falls back to printing. The program keeps
    /// running on its own; `BrowserProcess.reap()` collects its exit.
    public func open(_ url: String, log: Log? = nil) throws(PKCEError) -> BrowserProcess? {
        switch self {
        case .program(let program):
            guard !program.isEmpty else { throw PKCEError(.invalidArgument, "the browser program is empty") }
            do { return try BrowserProcess(spawning: [program, url], log: log) } catch {
                log?(.error, "browser: \(error.message)")
                throw error
            }
        case .print:
            Self.printForUser(url)
            return nil
        case .system:
            for command in Self.systemCommands(url) {
                if let process = try? BrowserProcess(spawning: command, log: log) { return process }
            }
            log?(.warning, "browser: neither $BROWSER nor xdg-open could be started; printing the URL")
            Self.printForUser(url)
            return nil
        }
    }

    /// The commands `.system` tries, in order.
    static func systemCommands(_ url: String) -> [[String]] {
        var commands: [[String]] = []
        if let value = getenv("BROWSER").map({ String(cString: $0) }) {
            for entry in value.split(separator: ":") {
                var words = entry.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard !words.isEmpty else { continue }
                if let i = words.firstIndex(of: "%s") { words[i] = url } else { words.append(url) }
                commands.append(words)
            }
        }
        commands.append(["xdg-open", url])
        return commands
    }

    static func printForUser(_ url: String) {
        let text = "Open this URL in a browser to sign in:\n\n    \(url)\n\n"
        _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    }
}

/// A browser program started by `Browser.open`, still running or not.
public final class BrowserProcess: @unchecked Sendable {
    public let pid: pid_t
    /// The program's name, for messages.
    public let program: String
    /// The exit status once reaped (0 is success); nil while it runs.
    public private(set) var exitStatus: Int32?

    init(spawning arguments: [String], log: Log?) throws(PKCEError) {
        program = arguments[0]
        // Found here, as execvp would: posix_spawnp reports a program it
        // cannot run only through the child's exit status on some systems.
        guard let path = Self.executable(program) else {
            throw PKCEError(.browser, "could not start \(PKCEError.printable(program)): no such executable")
        }
        // stdin and stdout from /dev/null: a launcher must not read the
        // terminal or write into the program's own output (e.g. JSON on stdout).
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, &argv, environ)
        guard result == 0 else {
            throw PKCEError(.browser, "could not start \(PKCEError.printable(program)): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        log?(.info, "browser: started \(PKCEError.printable(program)) (pid \(pid))")
    }

    /// `program` itself when it names a path, else the first executable of that name in PATH.
    static func executable(_ program: String) -> String? {
        if program.utf8.contains(UInt8(ascii: "/")) { return access(program, X_OK) == 0 ? program : nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
            var info = stat()
            if access(candidate, X_OK) == 0 && stat(candidate, &info) == 0 && info.st_mode & S_IFMT == S_IFREG { return candidate }
        }
        return nil
    }

    /// Collects the program's exit if it has ended; never blocks.
    @discardableResult
    public func reap() -> Int32? {
        guard exitStatus == nil else { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        // WIFEXITED / WEXITSTATUS are macros: the low 7 bits are the signal, the next 8 the exit code.
        exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return exitStatus
    }
}
