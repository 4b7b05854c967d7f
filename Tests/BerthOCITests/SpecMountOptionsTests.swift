@testable import BerthOCI
import XCTest

final class SpecMountOptionsTests: XCTestCase {
    func testDockerDevTmpfs() {
        let parsed = MountOptions.parse(["nosuid", "strictatime", "mode=755", "size=65536k"])
        XCTAssertEqual(parsed.flags, 2 | (1 << 24))
        XCTAssertEqual(parsed.data, "mode=755,size=65536k")
    }

    func testEachFlagHasTheKernelValue() {
        let expected: [String: UInt] = [
            "ro": 1, "nosuid": 2, "nodev": 4, "noexec": 8, "sync": 16, "remount": 32, "mand": 64,
            "dirsync": 128, "noatime": 1024, "nodiratime": 2048, "bind": 4096, "rbind": 4096 | 16384,
            "relatime": 1 << 21, "strictatime": 1 << 24, "private": 1 << 18, "rprivate": (1 << 18) | 16384,
            "slave": 1 << 19, "rslave": (1 << 19) | 16384, "shared": 1 << 20, "rshared": (1 << 20) | 16384,
            "unbindable": 1 << 17, "defaults": 0,
        ]
        for (option, flags) in expected {
            XCTAssertEqual(MountOptions.parse([option]).flags, flags, option)
            XCTAssertEqual(MountOptions.parse([option]).data, "", option)
        }
    }

    func testNegationsClearEarlierFlagsInOrder() {
        XCTAssertEqual(MountOptions.parse(["ro", "rw"]).flags, 0)
        XCTAssertEqual(MountOptions.parse(["rw", "ro"]).flags, 1)
        XCTAssertEqual(MountOptions.parse(["nosuid", "nodev", "noexec", "suid", "dev", "exec"]).flags, 0)
        XCTAssertEqual(MountOptions.parse(["noatime", "atime", "nodiratime", "diratime"]).flags, 0)
        XCTAssertEqual(MountOptions.parse(["rbind", "ro", "rw"]).flags, 4096 | 16384)
    }

    func testPropagationCanBeSplitFromTheMountFlags() {
        let parsed = MountOptions.parse(["rbind", "ro", "rprivate"])
        XCTAssertEqual(parsed.flags & ~MountOptions.propagation, 4096 | 16384 | 1)
        XCTAssertEqual(parsed.flags & MountOptions.propagation, 1 << 18)
    }

    func testUnknownOptionsBecomeData() {
        XCTAssertEqual(MountOptions.parse([]).data, "")
        XCTAssertEqual(MountOptions.parse(["lowerdir=/a:/b", "upperdir=/u", "workdir=/w", "ro"]).data,
                       "lowerdir=/a:/b,upperdir=/u,workdir=/w")
        XCTAssertEqual(MountOptions.parse(["", "uid=1000"]).data, "uid=1000")
    }
}
