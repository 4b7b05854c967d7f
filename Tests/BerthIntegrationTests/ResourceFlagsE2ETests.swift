import BerthOS
import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// docker's remaining resource flags through the real `berth`: `--cpu-period`, `--cpu-quota`,
/// `--cpuset-mems`, `--memory-reservation`, `--blkio-weight` and the device throttles read back
/// from the running container's cgroup files (v1 or v2, whichever the host has) and `inspect`;
/// `update` of them live; compose's keys; every refusal one line, exit 125, nothing left.
final class ResourceFlagsE2ETests: ContainerTestCase {
    override class var rootLabel: String { "resflags" }

    /// A block device of this host with its numbers from sysfs (an independent source).
    private func blockDevice() throws -> (path: String, numbers: String) {
        let disks = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/block")) ?? []
        let disk = disks.sorted().first { name in
            var st = stat()
            return !name.hasPrefix("loop") && stat("/dev/" + name, &st) == 0 && st.st_mode & S_IFMT == S_IFBLK
        }
        try Prerequisite.require(disk != nil, "no disk in /dev with an entry in /sys/block")
        let numbers = try String(contentsOfFile: "/sys/block/\(disk!)/dev", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return ("/dev/" + disk!, numbers)
    }

    /// The running container's cgroup file for `controller`, from /proc/PID/cgroup; nil when the
    /// host has neither name (a file the kernel lacks).
    private func setting(_ name: String, _ controller: String, v1: String, v2: String) throws -> String? {
        let pid = try XCTUnwrap(try cli.state(name)["Pid"] as? Int)
        guard let path = CgroupMount.controlFile(ofProcess: Int32(pid), controller: controller, v1: v1, v2: v2),
              let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private var isV1: Bool { FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cpu/cpu.cfs_quota_us") }

    func testRunAppliesEveryNewLimitToTheCgroupsAndInspectShowsThem() throws {
        let disk = try blockDevice()
        let r = cli.run(["run", "-d", "--name", "res", "--network", "none", "--cpu-period", "50000", "--cpu-quota", "25000",
                         "-m", "64m", "--memory-reservation", "32m", "--cpuset-mems", "0", "--blkio-weight", "300",
                         "--device-read-bps", disk.path + ":1mb", "--device-write-iops", disk.path + ":100",
                         "busybox", "sleep", "600"])
        XCTAssertEqual(r.status, 0, r.stderr)
        addTeardownBlock { [cli] in cli.run(["rm", "-f", "res"]) }
        if isV1 {
            XCTAssertEqual(try setting("res", "cpu", v1: "cpu.cfs_period_us", v2: "-"), "50000")
            XCTAssertEqual(try setting("res", "cpu", v1: "cpu.cfs_quota_us", v2: "-"), "25000")
            XCTAssertEqual(try setting("res", "memory", v1: "memory.soft_limit_in_bytes", v2: "-"), String(32 << 20))
            XCTAssertEqual(try setting("res", "blkio", v1: "blkio.throttle.read_bps_device", v2: "-"), "\(disk.numbers) 1048576")
            XCTAssertEqual(try setting("res", "blkio", v1: "blkio.throttle.write_iops_device", v2: "-"), "\(disk.numbers) 100")
            // CFQ's file, else BFQ's (BFQ prints "default N" on some kernels); with neither, a one-line notice.
            if let weight = try setting("res", "blkio", v1: "blkio.weight", v2: "-") ?? setting("res", "blkio", v1: "blkio.bfq.weight", v2: "-") {
                XCTAssertTrue(weight == "300" || weight.hasPrefix("default 300"), weight)
                XCTAssertEqual(r.stderr, "", "applied: no notice")
            } else {
                XCTAssertTrue(r.stderr.hasPrefix("berth: warning: --blkio-weight not applied: "), r.stderr)
            }
        } else {
            XCTAssertEqual(try setting("res", "cpu", v1: "-", v2: "cpu.max"), "25000 50000")
            XCTAssertEqual(try setting("res", "memory", v1: "-", v2: "memory.low"), String(32 << 20))
            let ioMax = try setting("res", "io", v1: "-", v2: "io.max") ?? ""
            XCTAssertTrue(ioMax.contains("\(disk.numbers) rbps=1048576"), ioMax)
            XCTAssertTrue(ioMax.contains("wiops=100"), ioMax)
        }
        XCTAssertEqual(try setting("res", "cpuset", v1: "cpuset.mems", v2: "cpuset.mems"), "0")

        let host = try XCTUnwrap(try cli.inspect("res")["HostConfig"] as? [String: Any])
        XCTAssertEqual(host["CpuPeriod"] as? Int, 50_000)
        XCTAssertEqual(host["CpuQuota"] as? Int, 25_000)
        XCTAssertEqual(host["NanoCpus"] as? Int, 0)
        XCTAssertEqual(host["MemoryReservation"] as? Int, 32 << 20)
        XCTAssertEqual(host["CpusetMems"] as? String, "0")
        XCTAssertEqual(host["BlkioWeight"] as? Int, 300)
        let reads = try XCTUnwrap(host["BlkioDeviceReadBps"] as? [[String: Any]])
        XCTAssertEqual(reads.count, 1)
        XCTAssertEqual(reads.first?["Path"] as? String, disk.path)
        XCTAssertEqual(reads.first?["Rate"] as? Int, 1 << 20)
        XCTAssertEqual((host["BlkioDeviceWriteIOps"] as? [[String: Any]])?.first?["Rate"] as? Int, 100)
        XCTAssertEqual((host["BlkioDeviceWriteBps"] as? [Any])?.count, 0)
    }

    func testUpdateChangesThemLiveAndTheTwoCPUFormsReplaceEachOther() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "upd", "--network", "none", "--cpu-quota", "50000", "-m", "64m",
                                "--memory-reservation", "16m", "--cpuset-mems", "0", "busybox", "sleep", "600"]).status, 0)
        addTeardownBlock { [cli] in cli.run(["rm", "-f", "upd"]) }
        let r = cli.run(["update", "--cpu-period", "50000", "--memory-reservation", "32m", "--cpuset-mems", "0", "upd"])
        XCTAssertEqual(r.status, 0, r.stderr)
        if isV1 {
            XCTAssertEqual(try setting("upd", "cpu", v1: "cpu.cfs_period_us", v2: "-"), "50000")
            XCTAssertEqual(try setting("upd", "cpu", v1: "cpu.cfs_quota_us", v2: "-"), "50000")
            XCTAssertEqual(try setting("upd", "memory", v1: "memory.soft_limit_in_bytes", v2: "-"), String(32 << 20))
        } else {
            XCTAssertEqual(try setting("upd", "cpu", v1: "-", v2: "cpu.max"), "50000 50000")
            XCTAssertEqual(try setting("upd", "memory", v1: "-", v2: "memory.low"), String(32 << 20))
        }
        XCTAssertEqual(cli.run(["update", "--cpus", "1.5", "upd"]).status, 0)
        if isV1 {
            XCTAssertEqual(try setting("upd", "cpu", v1: "cpu.cfs_period_us", v2: "-"), "100000")
            XCTAssertEqual(try setting("upd", "cpu", v1: "cpu.cfs_quota_us", v2: "-"), "150000")
        } else {
            XCTAssertEqual(try setting("upd", "cpu", v1: "-", v2: "cpu.max"), "150000 100000")
        }
        let host = try XCTUnwrap(try cli.inspect("upd")["HostConfig"] as? [String: Any])
        XCTAssertEqual(host["NanoCpus"] as? Int, 1_500_000_000)
        XCTAssertEqual(host["CpuQuota"] as? Int, 0)
        XCTAssertEqual(host["CpuPeriod"] as? Int, 0)
        XCTAssertEqual(host["MemoryReservation"] as? Int, 32 << 20)

        // Refused updates change nothing: a reservation above the limit, nodes the host lacks.
        let above = cli.run(["update", "--memory-reservation", "128m", "upd"])
        XCTAssertEqual(above.stderr, "berth: Minimum memory limit should be larger than memory reservation limit: the memory limit (64.0MiB) is below the reservation (128.0MiB)\n")
        let nodes = cli.run(["update", "--cpuset-mems", "1000", "upd"])
        XCTAssertNotEqual(nodes.status, 0)
        XCTAssertTrue(nodes.stderr.hasPrefix("berth: the memory nodes '1000' (--cpuset-mems) are not available: this host offers "), nodes.stderr)
        XCTAssertEqual(try cli.inspect("upd")["HostConfig"].flatMap { ($0 as? [String: Any])?["CpusetMems"] } as? String, "0")
        XCTAssertEqual(try setting("upd", "cpuset", v1: "cpuset.mems", v2: "cpuset.mems"), "0")
        let events = cli.run(["events", "--since", "0", "--until", "\(Int(Date().timeIntervalSince1970) + 1)", "--filter", "event=update", "--format", "json"])
        XCTAssertTrue(events.stdout.contains("\"cpuPeriod\":\"50000\""), events.stdout)
    }

    func testRefusalsAreOneLineExit125AndLeaveNothing() throws {
        let disk = try blockDevice()
        let cases: [([String], String)] = [
            (["--cpus", "0.5", "--cpu-quota", "20000"], "Conflicting options: Nano CPUs and CPU Period/Quota cannot both be set: give --cpus, or --cpu-period and --cpu-quota"),
            (["--cpus", "0.5", "--cpu-period", "20000"], "Conflicting options: Nano CPUs and CPU Period/Quota cannot both be set: give --cpus, or --cpu-period and --cpu-quota"),
            (["--cpu-period", "999"], "the CPU period (999) must be between 1000 and 1000000 microseconds (1ms to 1s)"),
            (["--cpu-period", "1000001"], "the CPU period (1000001) must be between 1000 and 1000000 microseconds (1ms to 1s)"),
            (["--cpu-quota", "500"], "the CPU quota (500) must be between 1000 and 1024000000 microseconds, or -1 for no quota"),
            (["--cpu-quota", "-7"], "the CPU quota (-7) must be between 1000 and 1024000000 microseconds, or -1 for no quota"),
            (["-m", "64m", "--memory-reservation", "128m"], "Minimum memory limit should be larger than memory reservation limit: the memory limit (64.0MiB) is below the reservation (128.0MiB)"),
            (["--memory-reservation", "1m"], "the memory reservation (1.0MiB) is below the minimum of 6MiB"),
            (["--memory-reservation", "lots"], "invalid memory value 'lots': expected a number with an optional unit b, k, m or g"),
            (["--blkio-weight", "5"], "the block IO weight (5) must be between 10 and 1000"),
            (["--blkio-weight", "1001"], "the block IO weight (1001) must be between 10 and 1000"),
            (["--cpuset-mems", "0;rm -rf /"], "the cpuset memory nodes '0;rm -rf /' are not a list such as 0-1 or 0,2"),
            (["--cpuset-mems", "1000"], "the memory nodes '1000' (--cpuset-mems) are not available: this host offers "),
            (["--device-read-bps", "/dev/null:1mb"], "--device-read-bps: '/dev/null' is not a block device"),
            (["--device-write-bps", "/no/such/disk:1mb"], "--device-write-bps: stat /no/such/disk: No such file or directory"),
            (["--device-read-iops", disk.path + ":1.5"], "--device-read-iops: invalid rate '1.5' for '\(disk.path)': expected <number>"),
            (["--device-write-iops", disk.path], "--device-write-iops: invalid value '\(disk.path)': expected <device-path>:<number>"),
            (["--device-read-bps", "/dev/\u{1b}[2J:1"], "--device-read-bps: stat /dev/\\x1b[2J: No such file or directory"),
        ]
        for (flags, message) in cases {
            let r = cli.run(["run", "--rm", "--network", "none"] + flags + ["busybox", "true"])
            XCTAssertEqual(r.status, 125, "\(flags): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("berth: " + message), "\(flags): \(r.stderr)")
            XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "one line: \(r.stderr)")
        }
        let parse = cli.run(["run", "--cpu-quota", "abc", "busybox", "true"])
        XCTAssertEqual(parse.status, 125)
        XCTAssertEqual(parse.stderr.filter { $0 == "\n" }.count, 1, parse.stderr)
        XCTAssertEqual(cli.run(["create", "--blkio-weight", "5", "busybox", "true"]).stderr, "berth: the block IO weight (5) must be between 10 and 1000\n")
        XCTAssertEqual(cli.run(["service", "create", "--replicas", "0", "--cpu-period", "1", "s", "busybox"]).status, 125)
        XCTAssertEqual(try XCTUnwrap(try cli.json(["ps", "-a", "--json"]) as? [Any]).count, 0, "refused runs leave nothing")
        XCTAssertEqual(try XCTUnwrap(try cli.json(["service", "ls", "--json"]) as? [Any]).count, 0, "nor a service")
    }

    /// compose's keys reach the replicas' cgroups as the flags do.
    func testComposeKeysReachTheReplica() throws {
        let dir = Self.root.path + "-compose/res"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: Self.root.path + "-compose") }
        let file = dir + "/compose.yaml"
        try """
            services:
              web:
                image: busybox
                command: sleep 600
                network_mode: none
                cpu_period: 50000
                cpu_quota: 20000
                mem_limit: 64m
                mem_reservation: 24m
                blkio_config:
                  weight: 200
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let up = cli.run(["up", "-d", "-f", file])
        XCTAssertEqual(up.status, 0, up.stderr)
        addTeardownBlock { [cli] in cli.run(["down", "-t", "0", "-f", file]) }
        let host = try XCTUnwrap(try cli.inspect("web-1")["HostConfig"] as? [String: Any])
        XCTAssertEqual(host["CpuPeriod"] as? Int, 50_000)
        XCTAssertEqual(host["CpuQuota"] as? Int, 20_000)
        XCTAssertEqual(host["MemoryReservation"] as? Int, 24 << 20)
        XCTAssertEqual(host["BlkioWeight"] as? Int, 200)
        if isV1 {
            XCTAssertEqual(try setting("web-1", "cpu", v1: "cpu.cfs_quota_us", v2: "-"), "20000")
            XCTAssertEqual(try setting("web-1", "memory", v1: "memory.soft_limit_in_bytes", v2: "-"), String(24 << 20))
        } else {
            XCTAssertEqual(try setting("web-1", "cpu", v1: "-", v2: "cpu.max"), "20000 50000")
        }
    }
}
