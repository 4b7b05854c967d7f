import BerthTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The supervisor times a stop's grace period and the restart backoff on the monotonic clock:
/// `Tests/ShimUnit/clock_test.c` links the shim's `clock.c` against a fake `clock_gettime`, moves
/// the wall clock an hour back and two hours forward, and checks that no deadline moves and that
/// no duration reads the wall clock. Nothing waits and the host's clock is never touched.
final class ShimClockTests: XCTestCase {
    static let repo: String = {
        // Tests/BerthRuntimeTests/ThisFile.swift → the repository root.
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    func testGracePeriodAndBackoffUseTheMonotonicClock() throws {
        let clang = ["/opt/swift/usr/bin/clang", "/usr/bin/clang"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? Prerequisite.find("clang")
        guard let clang else { try Prerequisite.unmet("clang is missing (the Swift toolchain ships it)") }
        let dir = NSTemporaryDirectory() + "berth-clock-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }

        let program = dir + "/clock_test"
        let built = Subprocess.run(clang, ["-std=gnu11", "-D_GNU_SOURCE", "-Wall", "-Werror",
                                           "-I", Self.repo + "/Sources/berth-shim",
                                           Self.repo + "/Tests/ShimUnit/clock_test.c",
                                           Self.repo + "/Sources/berth-shim/clock.c", "-o", program])
        XCTAssertEqual(built.status, 0, "compiling clock_test.c: \(built.stderr)")
        guard built.status == 0 else { return }

        let run = Subprocess.run(program, [], timeout: 30)
        XCTAssertEqual(run.status, 0, "clock_test failed:\n\(run.stdout)\(run.stderr)")
        XCTAssertEqual(run.stdout, "ok\n")
    }
}
