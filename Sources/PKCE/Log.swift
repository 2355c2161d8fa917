/// How much a debug log says; the numbers are PKCE_LOG_* of pkce.h.
public enum LogLevel: Int32, Sendable, Comparable {
    case error = 1
    case warning = 2
    case info = 3
    case debug = 4

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// Where libpkce's log lines go: a function the application installs, with
/// the most detailed level it wants. A line never holds a secret: requests
/// are logged as method, URL, header names and form field names, with the
/// value of every field not known to be public replaced by its length;
/// callbacks by their path only.
public struct Log: Sendable {
    public let level: LogLevel
    private let sink: @Sendable (LogLevel, String) -> Void

    public init(level: LogLevel, _ sink: @escaping @Sendable (LogLevel, String) -> Void) {
        self.level = level
        self.sink = sink
    }

    /// Writes `message` when `level` is wanted; the message is not built otherwise.
    public func callAsFunction(_ level: LogLevel, _ message: @autoclosure () -> String) {
        if level <= self.level { sink(level, message()) }
    }
}
