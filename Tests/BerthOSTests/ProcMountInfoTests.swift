import XCTest
@testable import BerthOS

final class ProcMountInfoTests: XCTestCase {
    /// /proc/self/mountinfo of this machine (v1 hybrid: cpu and cpuacct separate, an empty cgroup2 at unified).
    static let hybrid = """
        22 27 0:21 / /proc rw,relatime - proc proc rw
        23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
        24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334432k,nr_inodes=3083608,mode=755
        27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
        37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
        38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw

        """

    /// A systemd pure-v1 host: optional fields ("shared:N") before the separator, cpu,cpuacct co-mounted.
    static let pureV1 = """
        25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        33 25 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
        34 33 0:29 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
        37 33 0:32 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,cpu,cpuacct
        38 33 0:33 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory
        39 33 0:34 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,blkio
        40 33 0:35 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,pids
        41 33 0:36 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,cpuset
        42 33 0:37 / /sys/fs/cgroup/cpu rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,cpu,cpuacct

        """

    /// A pure v2 host.
    static let pureV2 = """
        25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        35 25 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot

        """

    func testParsesFieldsAroundTheSeparator() {
        let entries = MountInfo.parse(Self.hybrid)
        XCTAssertEqual(entries.count, 15)
        XCTAssertEqual(entries[5], MountInfoEntry(mountID: 32, parentID: 31, root: "/", mountPoint: "/sys/fs/cgroup/cpu",
                                                  fsType: "cgroup", source: "cgroup", superOptions: ["rw", "cpu"]))
        XCTAssertEqual(entries.last?.fsType, "cgroup2")
    }

    func testSkipsOptionalFields() {
        let entries = MountInfo.parse(Self.pureV1)
        let cpu = entries.first { $0.mountID == 37 }
        XCTAssertEqual(cpu?.mountPoint, "/sys/fs/cgroup/cpu,cpuacct")
        XCTAssertEqual(cpu?.fsType, "cgroup")
        XCTAssertEqual(cpu?.superOptions, ["rw", "cpu", "cpuacct"])
        XCTAssertEqual(entries.first { $0.mountID == 34 }?.superOptions.last, "name=systemd")
    }

    func testUnescapesOctalSequencesInPaths() {
        let line = #"112 27 0:51 /my\040dir /mnt/with\040space\011tab\134slash rw - tmpfs none\040x rw"#
        let entry = MountInfo.parse(line).first
        XCTAssertEqual(entry?.root, "/my dir")
        XCTAssertEqual(entry?.mountPoint, "/mnt/with space\ttab\\slash")
        XCTAssertEqual(entry?.source, "none x")
    }

    func testKeepsABackslashThatIsNotAnEscape() {
        XCTAssertEqual(MountInfo.unescape(#"/a\b\04"#), #"/a\b\04"#)
    }

    func testSkipsMalformedLines() {
        XCTAssertEqual(MountInfo.parse("garbage\n1 2 3\n").count, 0)
    }

    func testReadsThisProcess() throws {
        let entries = MountInfo.parse(try KernelFile.read("/proc/self/mountinfo"))
        XCTAssertTrue(entries.contains { $0.mountPoint == "/" })
    }
}
