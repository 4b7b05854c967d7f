import Glibc
import XCTest
import BerthTestSupport
@testable import BerthOS

final class HostInfoTests: XCTestCase {
    func testDescribesThisHost() throws {
        let info = HostProbe.hostInfo()
        // Independent sources: uname(2) rather than /proc, /sys's online CPU list, the cgroup
        // filesystems in mountinfo (BerthTestSupport's parser), and sysconf's physical pages.
        var u = utsname()
        XCTAssertEqual(uname(&u), 0)
        func field<T>(_ v: T) -> String { withUnsafeBytes(of: v) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } }
        XCTAssertEqual(info.hostname, field(u.nodename))
        XCTAssertEqual(info.kernel, field(u.release))
        let mounts = CgroupMount.all()
        let hasV1 = mounts.contains { !$0.isV2 && !$0.controllers.isDisjoint(with: ["memory", "cpu", "cpuacct", "pids", "blkio", "cpuset"]) }
        XCTAssertEqual(info.cgroupVersion, hasV1 ? "v1" : "v2")
        XCTAssertEqual(info.cpuCount, try Self.count(cpuList: KernelFile.read("/sys/devices/system/cpu/online")))
        let total = UInt64(sysconf(Int32(_SC_PHYS_PAGES))) * UInt64(sysconf(Int32(_SC_PAGESIZE)))
        XCTAssertEqual(Double(info.memoryTotal), Double(total), accuracy: Double(total) * 0.01, "MemTotal agrees with the physical pages")
        XCTAssertLessThanOrEqual(info.memoryAvailable, info.memoryTotal)
        XCTAssertLessThanOrEqual(info.cpuBusyTicks, info.cpuTotalTicks)
    }

    /// "0-3,6,8-9" → 7.
    static func count(cpuList: String) -> Int {
        cpuList.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").reduce(0) { n, part in
            let ends = part.split(separator: "-").compactMap { Int($0) }
            return n + (ends.count == 2 ? ends[1] - ends[0] + 1 : 1)
        }
    }

    func testCPUListCounting() {
        XCTAssertEqual(Self.count(cpuList: "0-3,6,8-9\n"), 7)
        XCTAssertEqual(Self.count(cpuList: "0"), 1)
    }

    func testTicksAdvance() throws {
        let first = HostProbe.hostInfo()
        // Wait for the event (a tick of /proc/stat's clock), with a generous deadline.
        let deadline = Date().addingTimeInterval(10)
        var later = HostProbe.hostInfo()
        while later.cpuTotalTicks <= first.cpuTotalTicks && Date() < deadline {
            usleep(10_000)
            later = HostProbe.hostInfo()
        }
        XCTAssertGreaterThan(later.cpuTotalTicks, first.cpuTotalTicks)
    }
}
