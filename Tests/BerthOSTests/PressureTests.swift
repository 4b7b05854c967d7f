import BerthOS
import Foundation
import XCTest

final class PressureTests: XCTestCase {
    func testSomeAndFullLinesAreRead() throws {
        let p = try XCTUnwrap(Pressure.parse("some avg10=1.53 avg60=0.87 avg300=0.22 total=1234567\nfull avg10=0.50 avg60=0.10 avg300=0.00 total=42\n"))
        XCTAssertEqual(p.some, Pressure.Line(avg10: 1.53, avg60: 0.87, avg300: 0.22, totalMicroseconds: 1_234_567))
        XCTAssertEqual(p.full, Pressure.Line(avg10: 0.5, avg60: 0.1, avg300: 0, totalMicroseconds: 42))
    }

    func testAFileWithOnlySomeHasNoFull() throws {
        let p = try XCTUnwrap(Pressure.parse("some avg10=99.00 avg60=50.00 avg300=10.00 total=7\n"))
        XCTAssertEqual(p.some.avg10, 99)
        XCTAssertNil(p.full)
    }

    func testJunkIsNotPressure() {
        XCTAssertNil(Pressure.parse(""))
        XCTAssertNil(Pressure.parse("full avg10=1.00 avg60=1.00 avg300=1.00 total=1\n"), "no some line")
        XCTAssertNil(Pressure.parse("some avg10=nan avg60=1.00 avg300=1.00 total=1\n"))
        XCTAssertNil(Pressure.parse("some avg10=1.00 avg60=1.00 avg300=1.00 total=-1\n"))
        XCTAssertNil(Pressure.parse("some avg10 avg60=1.00 avg300=1.00 total=1\n"))
        XCTAssertNil(Pressure.parse("some avg10=1.00 avg60=1.00 avg300=1.00\n"), "a missing field")
    }

    func testASetReadsTheFilesOfADirectoryAndIsNilWithoutThem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("berth-psi-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertNil(PressureSet.cgroup(dir), "no pressure files: nil, not zeros")
        try "some avg10=12.50 avg60=3.00 avg300=1.00 total=900\nfull avg10=2.00 avg60=1.00 avg300=0.00 total=100\n"
            .write(toFile: dir + "/memory.pressure", atomically: true, encoding: .utf8)
        let set = try XCTUnwrap(PressureSet.cgroup(dir))
        XCTAssertEqual(set.memory?.some.avg10, 12.5)
        XCTAssertEqual(set.memory?.full?.avg10, 2)
        XCTAssertNil(set.cpu)
        XCTAssertNil(set.io)
    }

    /// The host's own files, when the kernel keeps them (`psi=1`; this machine's kernel does):
    /// what the dashboard's header reads every tick.
    func testTheHostsPressureIsReadWhenTheKernelHasIt() throws {
        guard FileManager.default.fileExists(atPath: "/proc/pressure/cpu") else {
            throw XCTSkip("this kernel has no /proc/pressure (built without PSI or booted with psi=0)")
        }
        let host = try XCTUnwrap(PressureSet.host())
        let cpu = try XCTUnwrap(host.cpu)
        XCTAssertTrue((0...100).contains(cpu.some.avg10))
        XCTAssertNotNil(host.memory?.full, "memory has a full line")
        XCTAssertNotNil(HostProbe.hostInfo().pressure)
    }
}
