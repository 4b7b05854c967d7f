import XCTest
import BerthOS
#if canImport(Glibc)
import Glibc
#endif

/// `ProcStat`: the start time that tells a recorded process from a later one with its PID.
final class ProcessStartTimeTests: XCTestCase {
    /// Field 22 of /proc/PID/stat, read the slow way (split after the command's last ')').
    static func startTimeBySplitting(_ pid: Int32) throws -> UInt64 {
        let text = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let afterName = text[text.index(after: try XCTUnwrap(text.lastIndex(of: ")")))...]
        let fields = afterName.split(separator: " ")
        // fields[0] is field 3 (the state), so field 22 is fields[19].
        return try XCTUnwrap(UInt64(fields[19]))
    }

    func testOwnStartTimeMatchesTheFileReadAnotherWay() throws {
        let pid = getpid()
        XCTAssertEqual(ProcStat.startTime(pid: pid), try Self.startTimeBySplitting(pid))
        XCTAssertTrue(ProcStat.isAlive(pid: pid, startTime: try Self.startTimeBySplitting(pid)))
        XCTAssertFalse(ProcStat.isAlive(pid: pid, startTime: try Self.startTimeBySplitting(pid) + 1),
                       "the same PID with another start time is another process")
    }

    func testAZombieAndAReapedChildAreNotAlive() throws {
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { for a in argv { free(a) } }
        XCTAssertEqual(posix_spawn(&pid, "/bin/true", nil, nil, &argv, environ), 0)
        // Not reaped yet: once it has exited it is a zombie, which must not count as alive.
        var info = siginfo_t()
        XCTAssertEqual(waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT), 0)
        XCTAssertNil(ProcStat.startTime(pid: pid), "a zombie has ended")
        var status: Int32 = 0
        XCTAssertEqual(waitpid(pid, &status, 0), pid)
        XCTAssertNil(ProcStat.startTime(pid: pid))
        XCTAssertFalse(ProcStat.isAlive(pid: pid, startTime: 1))
        XCTAssertFalse(ProcStat.isAlive(pid: nil, startTime: nil))
        XCTAssertFalse(ProcStat.isAlive(pid: 0, startTime: nil))
    }
}
