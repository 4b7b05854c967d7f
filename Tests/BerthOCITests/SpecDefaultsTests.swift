@testable import BerthOCI
import XCTest

final class SpecDefaultsTests: XCTestCase {
    func testCapabilityNumbersMatchTheKernelHeader() {
        XCTAssertEqual(LinuxCapability.allCases.count, 41)
        XCTAssertEqual(LinuxCapability.allCases.map(\.rawValue), Array(0...40))
        XCTAssertEqual(LinuxCapability.chown.name, "CAP_CHOWN")
        XCTAssertEqual(LinuxCapability.sysAdmin.rawValue, 21)
        XCTAssertEqual(LinuxCapability.mknod.rawValue, 27)
        XCTAssertEqual(LinuxCapability.auditWrite.rawValue, 29)
        XCTAssertEqual(LinuxCapability.checkpointRestore.name, "CAP_CHECKPOINT_RESTORE")
        XCTAssertEqual(LinuxCapability.last.rawValue, 40)
    }

    func testCapabilityNamesRoundTripAndAcceptDockerSpellings() {
        for capability in LinuxCapability.allCases {
            XCTAssertEqual(LinuxCapability(name: capability.name), capability)
        }
        XCTAssertEqual(LinuxCapability(name: "net_admin"), .netAdmin)
        XCTAssertEqual(LinuxCapability(name: "Cap_Sys_Ptrace"), .sysPtrace)
        XCTAssertNil(LinuxCapability(name: "CAP_FLY"))
        XCTAssertNil(LinuxCapability(name: ""))
    }

    func testDefaultCapabilitiesAreDockersWithoutMknod() {
        let docker: Set<String> = [
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
            "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
        ]
        XCTAssertEqual(Set(DefaultSpec.capabilityNames), docker.subtracting(["CAP_MKNOD"]))
        XCTAssertEqual(DefaultSpec.capabilityNames.count, 13)
        XCTAssertFalse(DefaultSpec.capabilities.contains(.sysAdmin))
    }

    func testDefaultMountsAndDevices() throws {
        XCTAssertEqual(DefaultSpec.mounts.map(\.destination),
                       ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"])
        let shm = try XCTUnwrap(DefaultSpec.mounts.first { $0.destination == "/dev/shm" })
        XCTAssertEqual(shm.type, "tmpfs")
        XCTAssertEqual(shm.source, "shm")
        XCTAssertEqual(MountOptions.parse(shm.options ?? []).data, "mode=1777,size=65536k")
        let pts = try XCTUnwrap(DefaultSpec.mounts.first { $0.destination == "/dev/pts" })
        XCTAssertEqual(MountOptions.parse(pts.options ?? []).data, "newinstance,ptmxmode=0666,mode=0620,gid=5")
        let cgroup = try XCTUnwrap(DefaultSpec.mounts.last)
        XCTAssertEqual(cgroup.type, "cgroup")
        XCTAssertEqual(MountOptions.parse(cgroup.options ?? []).flags, 1 | 2 | 4 | 8 | (1 << 21))

        XCTAssertEqual(DefaultSpec.devices.map { "\($0.path) \($0.major):\($0.minor)" },
                       ["/dev/null 1:3", "/dev/zero 1:5", "/dev/full 1:7", "/dev/random 1:8",
                        "/dev/urandom 1:9", "/dev/tty 5:0"])
        XCTAssertTrue(DefaultSpec.devices.allSatisfy { $0.type == "c" && $0.fileMode == 0o666 })
    }

    func testHardeningListsAndPath() {
        XCTAssertEqual(DefaultSpec.maskedPaths.count, 11)
        XCTAssertTrue(DefaultSpec.maskedPaths.contains("/sys/devices/virtual/powercap"))
        XCTAssertEqual(DefaultSpec.readonlyPaths,
                       ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])
        XCTAssertEqual(DefaultSpec.env, ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
    }
}
