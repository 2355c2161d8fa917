import Testing
@testable import PKCE

/// The signal that ends a wait from another thread, and the plain pause.
@Suite struct CancellationTests {
    @Test func sleepsUntilCancelled() throws {
        let cancellation = try Cancellation()
        var start = Cancellation.now()
        #expect(!cancellation.sleep(milliseconds: 50))
        #expect(Cancellation.now() - start >= 50)
        #expect(!cancellation.isCancelled)
        cancellation.cancel()
        start = Cancellation.now()
        #expect(cancellation.sleep(milliseconds: 10_000))  // at once: it is cancelled
        #expect(Cancellation.now() - start < 1000)
        #expect(cancellation.isCancelled)  // and it stays so
        cancellation.cancel()  // twice is harmless
        #expect(cancellation.isCancelled)
    }

    @Test func pauseWaits() {
        let start = Cancellation.now()
        Cancellation.pause(milliseconds: 30)
        #expect(Cancellation.now() - start >= 30)
        Cancellation.pause(milliseconds: 0)
    }
}
