import Glibc
import XCTest
@testable import BerthRuntime

final class HostInfoTests: XCTestCase {
    func testDescribesThisHost() throws {
        let info = HostProbe.hostInfo()
        var name = [UInt8](repeating: 0, count: 256)
        gethostname(&name, name.count)
        XCTAssertEqual(info.hostname, String(decoding: name.prefix { $0 != 0 }, as: UTF8.self))
        XCTAssertEqual(info.kernel, try KernelFile.read("/proc/sys/kernel/osrelease").trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(info.cgroupVersion, Cgroups.detectVersion()?.rawValue)
        XCTAssertEqual(info.cpuCount, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        XCTAssertGreaterThan(info.memoryTotal, 0)
        XCTAssertLessThanOrEqual(info.memoryAvailable, info.memoryTotal)
        XCTAssertGreaterThan(info.cpuTotalTicks, 0)
    }

    func testTicksAdvance() throws {
        let first = HostProbe.hostInfo()
        var x = 0.0
        for i in 0..<3_000_000 { x += Double(i).squareRoot() }
        XCTAssertGreaterThan(x, 0)
        usleep(20_000)
        XCTAssertGreaterThan(HostProbe.hostInfo().cpuTotalTicks, first.cpuTotalTicks)
    }
}
