import BerthOS
import XCTest

/// `/proc/PID/stat`, `status` and `cmdline` as the processes view reads them; the comm and the
/// command line come from the container.
final class ProcessSampleTests: XCTestCase {
    func testStatWithSpacesAndParenthesesInTheComm() throws {
        let stat = "4242 (evil) (x y) S 4200 4242 4242 0 -1 4194560 120 0 0 0 7 5 0 0 20 0 3 0 12345 6000000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
        let s = try XCTUnwrap(ProcessSample.parse(stat: stat, pageSize: 4096))
        XCTAssertEqual(s.pid, 4242)
        XCTAssertEqual(s.parentPID, 4200)
        XCTAssertEqual(s.state, "S")
        XCTAssertEqual(s.cpuTicks, 12)
        XCTAssertEqual(s.threads, 3)
        XCTAssertEqual(s.residentBytes, 300 * 4096)
        XCTAssertEqual(s.command, "[evil) (x y]")
    }

    func testTruncatedOrGarbageStatIsNil() {
        XCTAssertNil(ProcessSample.parse(stat: "", pageSize: 4096))
        XCTAssertNil(ProcessSample.parse(stat: "12 (sh) S 1 2 3", pageSize: 4096))
        XCTAssertNil(ProcessSample.parse(stat: "x (sh) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22", pageSize: 4096))
        XCTAssertNil(ProcessSample.parse(stat: ") 12 (", pageSize: 4096))
    }

    func testStatusUIDAndCommandLine() {
        XCTAssertEqual(ProcessSample.parseUID(status: "Name:\tsh\nUid:\t1000\t1000\t1000\t1000\nGid:\t0\n"), 1000)
        XCTAssertNil(ProcessSample.parseUID(status: "Name:\tsh\n"))
        XCTAssertEqual(ProcessSample.commandLine("sleep\u{0}1000\u{0}"), "sleep 1000")
        XCTAssertEqual(ProcessSample.commandLine("nginx: master process"), "nginx: master process")
        XCTAssertNil(ProcessSample.commandLine(""))
    }

    func testThisProcessReadsBack() throws {
        let me = try XCTUnwrap(ProcessSample.read(pid: getpid()))
        XCTAssertEqual(me.pid, getpid())
        XCTAssertEqual(me.parentPID, getppid())
        XCTAssertEqual(me.uid, getuid())
        XCTAssertGreaterThan(me.residentBytes, 0)
        XCTAssertGreaterThanOrEqual(me.threads, 1)
        XCTAssertFalse(me.command.isEmpty)
        XCTAssertNil(ProcessSample.read(pid: Int32.max))
    }
}
