#if canImport(Glibc)
import Glibc
#endif

/// A signal one thread raises to end another's wait: a GUI's Cancel button
/// ending a sign-in that waits for the browser or polls for a device. A
/// pipe, so that a wait on sockets can include it in its poll set.
/// Once raised it stays raised; every method is safe from any thread.
public final class Cancellation: @unchecked Sendable {
    /// Readable once cancelled.
    package let fd: Int32
    private let writeEnd: Int32

    public init() throws(PKCEError) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw PKCEError(.listener, "pipe failed: \(String(cString: strerror(errno)))") }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, O_NONBLOCK)
        }
        fd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(fd)
        close(writeEnd)
    }

    public func cancel() {
        var one: UInt8 = 1
        _ = write(writeEnd, &one, 1)  // a full pipe is cancelled already
    }

    public var isCancelled: Bool { sleep(milliseconds: 0) }

    /// Waits up to `milliseconds`; true as soon as (or if already) cancelled.
    public func sleep(milliseconds: Int) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let deadline = Self.now() + milliseconds
        while true {
            let ready = poll(&descriptor, 1, Int32(clamping: max(deadline - Self.now(), 0)))
            if ready > 0 { return true }
            if ready == 0 || errno != EINTR { return false }
        }
    }

    /// Waits `milliseconds` with nothing to cut the wait short.
    public static func pause(milliseconds: Int) {
        let deadline = now() + milliseconds
        while case let left = deadline - now(), left > 0 {
            _ = poll(nil, 0, Int32(clamping: left))
        }
    }

    /// Monotonic milliseconds, for deadlines.
    public static func now() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return time.tv_sec * 1000 + time.tv_nsec / 1_000_000
    }
}
