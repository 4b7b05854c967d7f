@testable import BerthOS
@testable import BerthRuntime
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// runc's status rule, the one both `berth-runc state` and `berth top --runc-root` use: every
/// combination of its inputs, and the observation of a real zombie.
final class RuncStatusRuleTests: XCTestCase {
    func status(exists: Bool, matches: Bool, zombie: Bool, waiting: Bool, frozen: Bool) -> OCIStatus {
        RuncStatusRule.status(init: InitObservation(exists: exists, startTimeMatches: matches, isZombie: zombie),
                              waitingForStart: waiting, frozen: { frozen })
    }

    func testEveryCombinationOfTheInputs() {
        for exists in [false, true] {
            for matches in [false, true] {
                for zombie in [false, true] {
                    for waiting in [false, true] {
                        for frozen in [false, true] {
                            let expected: OCIStatus
                            if !exists || !matches || zombie {
                                expected = .stopped   // gone, pid reused, or exited and not yet reaped
                            } else if waiting {
                                expected = .created   // still on exec.fifo
                            } else {
                                expected = frozen ? .paused : .running
                            }
                            XCTAssertEqual(status(exists: exists, matches: matches, zombie: zombie, waiting: waiting, frozen: frozen),
                                           expected, "exists \(exists), start time matches \(matches), zombie \(zombie), waiting \(waiting), frozen \(frozen)")
                        }
                    }
                }
            }
        }
    }

    /// The cgroup is not read for a container that is stopped or still waiting for `start`.
    func testTheFreezerIsAskedOnlyOfAStartedLiveInit() {
        var asked = 0
        let live = InitObservation(exists: true, startTimeMatches: true, isZombie: false)
        _ = RuncStatusRule.status(init: InitObservation(exists: true, startTimeMatches: true, isZombie: true), waitingForStart: false) { asked += 1; return true }
        _ = RuncStatusRule.status(init: live, waitingForStart: true) { asked += 1; return true }
        XCTAssertEqual(asked, 0)
        XCTAssertEqual(RuncStatusRule.status(init: live, waitingForStart: false) { asked += 1; return true }, .paused)
        XCTAssertEqual(asked, 1)
    }

    /// A child of this process that has exited and is not reaped yet is observed as a zombie with
    /// its own start time (so: stopped); once reaped, as gone; this process as live.
    func testAnUnreapedChildIsObservedAsAZombie() throws {
        let me = InitObservation.of(pid: getpid(), startTime: ProcStat.startTime(pid: getpid()))
        XCTAssertEqual(me, InitObservation(exists: true, startTimeMatches: true, isZombie: false))
        XCTAssertEqual(InitObservation.of(pid: getpid(), startTime: (ProcStat.startTime(pid: getpid()) ?? 0) + 1).startTimeMatches, false)
        XCTAssertEqual(InitObservation.of(pid: 0, startTime: nil).exists, false)

        var pid: pid_t = 0
        let argv = [strdup("/bin/true"), nil]
        defer { argv.forEach { free($0) } }
        XCTAssertEqual(posix_spawn(&pid, "/bin/true", nil, nil, argv, environ), 0)
        var reaped = false
        defer { if !reaped { var st: Int32 = 0; waitpid(pid, &st, 0) } }
        let start = try XCTUnwrap(ProcStat.entry(pid: pid)?.startTime, "the child is gone before it was read")
        // Wait (without reaping: WNOWAIT) until it has exited.
        var info = siginfo_t()
        XCTAssertEqual(waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT), 0)
        let zombie = InitObservation.of(pid: pid, startTime: start)
        XCTAssertEqual(zombie, InitObservation(exists: true, startTimeMatches: true, isZombie: true))
        XCTAssertEqual(RuncStatusRule.status(init: zombie, waitingForStart: false, frozen: { false }), .stopped)
        var st: Int32 = 0
        XCTAssertEqual(waitpid(pid, &st, 0), pid)
        reaped = true
        XCTAssertEqual(InitObservation.of(pid: pid, startTime: start).exists, false)
    }
}
