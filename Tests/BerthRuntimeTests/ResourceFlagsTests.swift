import BerthOCI
import BerthTestSupport
import Foundation
import XCTest
@testable import BerthOS
@testable import BerthRuntime

/// docker's remaining resource flags (`--cpu-period`, `--cpu-quota`, `--cpuset-mems`,
/// `--memory-reservation`, `--blkio-weight`, `--device-read-bps` and its siblings): their rules in
/// `LimitRules`, their round trip through config.json's `linux.resources`, the device lookup, the
/// compose keys, and `update`'s merge of the two CPU forms.
final class ResourceFlagsTests: XCTestCase {
    private let mib: Int64 = 1 << 20

    private func limits(_ edit: (inout ResourceLimits) -> Void) -> ResourceLimits {
        var l = ResourceLimits()
        edit(&l)
        return l
    }

    func testEachNewRuleHasOneMessage() {
        XCTAssertNil(violation(limits { $0.cpuPeriod = 1_000; $0.cpuQuota = 1_000 }))
        XCTAssertNil(violation(limits { $0.cpuPeriod = 1_000_000; $0.cpuQuota = -1 }))
        XCTAssertNil(violation(limits { $0.memory = 64 * mib; $0.memoryReservation = 64 * mib }))
        XCTAssertNil(violation(limits { $0.memoryReservation = 32 * mib }), "a reservation without a limit is docker's too")
        XCTAssertNil(violation(limits { $0.blkioWeight = 10; $0.cpusetMems = "0-1,3" }))
        XCTAssertNil(violation(limits { $0.blkioWeight = 1000; $0.blkioDeviceReadBps = [BlockDeviceRate(major: 4095, minor: 0xfffff, rate: 0)] }))
        let conflict = "Conflicting options: Nano CPUs and CPU Period/Quota cannot both be set: give --cpus, or --cpu-period and --cpu-quota"
        let cases: [(ResourceLimits, LimitRules.Field, String)] = [
            (limits { $0.cpuPeriod = 999 }, .cpuPeriod, "the CPU period (999) must be between 1000 and 1000000 microseconds (1ms to 1s)"),
            (limits { $0.cpuPeriod = 1_000_001 }, .cpuPeriod, "the CPU period (1000001) must be between 1000 and 1000000 microseconds (1ms to 1s)"),
            (limits { $0.cpuPeriod = -5 }, .cpuPeriod, "the CPU period (-5) must be between 1000 and 1000000 microseconds (1ms to 1s)"),
            (limits { $0.cpuQuota = 999 }, .cpuQuota, "the CPU quota (999) must be between 1000 and 1024000000 microseconds, or -1 for no quota"),
            (limits { $0.cpuQuota = -2 }, .cpuQuota, "the CPU quota (-2) must be between 1000 and 1024000000 microseconds, or -1 for no quota"),
            (limits { $0.cpuQuota = .max }, .cpuQuota, "the CPU quota (9223372036854775807) must be between 1000 and 1024000000 microseconds, or -1 for no quota"),
            (limits { $0.cpus = 0.5; $0.cpuQuota = 50_000 }, .cpus, conflict),
            (limits { $0.cpus = 0.5; $0.cpuPeriod = 50_000 }, .cpus, conflict),
            (limits { $0.memoryReservation = mib }, .memoryReservation, "the memory reservation (1.0MiB) is below the minimum of 6MiB"),
            (limits { $0.memory = 64 * mib; $0.memoryReservation = 128 * mib }, .memoryReservation,
             "Minimum memory limit should be larger than memory reservation limit: the memory limit (64.0MiB) is below the reservation (128.0MiB)"),
            (limits { $0.cpusetMems = "0;rm" }, .cpusetMems, "the cpuset memory nodes '0;rm' are not a list such as 0-1 or 0,2"),
            (limits { $0.cpusetMems = "\u{1b}[2J" }, .cpusetMems, "the cpuset memory nodes '\\x1b[2J' are not a list such as 0-1 or 0,2"),
            (limits { $0.blkioWeight = 9 }, .blkioWeight, "the block IO weight (9) must be between 10 and 1000"),
            (limits { $0.blkioWeight = 1001 }, .blkioWeight, "the block IO weight (1001) must be between 10 and 1000"),
            (limits { $0.blkioDeviceWriteIOps = [BlockDeviceRate(major: 4096, minor: 0, rate: 1)] }, .blkioDeviceRate,
             "the device-write-iops device 4096:0 is not a device number Linux has"),
            (limits { $0.blkioDeviceReadBps = [BlockDeviceRate(major: -1, minor: 0, rate: 1)] }, .blkioDeviceRate,
             "the device-read-bps device -1:0 is not a device number Linux has"),
            (limits { $0.blkioDeviceWriteBps = [BlockDeviceRate(major: 8, minor: 0, rate: -1)] }, .blkioDeviceRate,
             "the device-write-bps rate of device 8:0 (-1) must not be negative"),
        ]
        for (l, field, message) in cases {
            let v = violation(l)
            XCTAssertEqual(v?.field, field, "\(l)")
            XCTAssertEqual(v?.message, message, "\(l)")
        }
    }

    /// config.json is the one copy: every new limit is written into `linux.resources` and read back.
    func testTheNewLimitsRoundTripThroughTheOCIResources() throws {
        let rate = BlockDeviceRate(major: 254, minor: 0, rate: 1_048_576)
        let all = limits {
            $0.memory = 64 * mib; $0.memoryReservation = 32 * mib; $0.cpuPeriod = 50_000; $0.cpuQuota = 25_000
            $0.cpusetMems = "0"; $0.blkioWeight = 300; $0.blkioDeviceReadBps = [rate]; $0.blkioDeviceWriteBps = [rate]
            $0.blkioDeviceReadIOps = [BlockDeviceRate(major: 254, minor: 0, rate: 100)]
            $0.blkioDeviceWriteIOps = [BlockDeviceRate(major: 8, minor: 16, rate: 0)]
        }
        let resources = OCI.Resources(all)
        XCTAssertEqual(resources.cpu, OCI.CPUResources(quota: 25_000, period: 50_000, mems: "0"))
        XCTAssertEqual(resources.memory, OCI.MemoryResources(limit: 64 * mib, reservation: 32 * mib))
        XCTAssertEqual(resources.blockIO?.weight, 300)
        XCTAssertEqual(resources.blockIO?.throttleReadBpsDevice, [OCI.ThrottleDevice(major: 254, minor: 0, rate: 1_048_576)])
        XCTAssertEqual(ResourceLimits(resources), all)
        // Through JSON as the runtime-spec names the keys (what runc and berth-runc read).
        let json = String(decoding: try JSONEncoder().encode(resources), as: UTF8.self)
        for key in ["\"blockIO\"", "\"throttleReadBpsDevice\"", "\"throttleWriteIOPSDevice\"", "\"reservation\"", "\"mems\""] {
            XCTAssertTrue(json.contains(key), json)
        }
        XCTAssertEqual(ResourceLimits(try JSONDecoder().decode(OCI.Resources.self, from: Data(json.utf8))), all)

        // --cpu-quota alone keeps the kernel's period (none is written), as docker and runc do.
        let quotaOnly = OCI.Resources(limits { $0.cpuQuota = 50_000 })
        XCTAssertEqual(quotaOnly.cpu, OCI.CPUResources(quota: 50_000))
        XCTAssertEqual(ResourceLimits(quotaOnly).cpuQuota, 50_000)
        XCTAssertEqual(ResourceLimits(quotaOnly).cpuLimit, 0.5, "over the kernel's default period")
        XCTAssertEqual(ResourceLimits(OCI.Resources(limits { $0.cpuQuota = -1 })).cpuQuota, -1, "no quota, said explicitly")
        XCTAssertNil(ResourceLimits(OCI.Resources(limits { $0.cpuQuota = -1 })).cpuLimit)
        XCTAssertEqual(ResourceLimits(OCI.Resources(limits { $0.cpus = 1.5 })).cpus, 1.5, "--cpus still reads as --cpus")
        XCTAssertNil(ResourceLimits(OCI.Resources(blockIO: OCI.BlockIO(weight: 0))).blkioWeight, "runc's 0: not set")
        XCTAssertEqual(ResourceLimits(OCI.Resources(cpu: OCI.CPUResources(shares: 1024, period: 0))), ResourceLimits(cpuShares: 1024),
                       "a period of 0 without a quota is runc's 'not set'")
        XCTAssertNil(violation(ResourceLimits(OCI.Resources(cpu: OCI.CPUResources(period: 0)))))
    }

    /// The cgroup writer judges config.json by the same rules (it may have been edited since create).
    func testTheCgroupValuesRefuseAnEditedConfig() {
        XCTAssertThrowsError(try CgroupLimitValues(OCI.Resources(cpu: OCI.CPUResources(quota: 500)))) { error in
            XCTAssertEqual(error as? BerthError, .invalidArgument("the CPU quota (500) must be between 1000 and 1024000000 microseconds, or -1 for no quota"))
        }
        XCTAssertThrowsError(try CgroupLimitValues(OCI.Resources(blockIO: OCI.BlockIO(weight: 5000)))) { error in
            XCTAssertEqual(error as? BerthError, .invalidArgument("the block IO weight (5000) must be between 10 and 1000"))
        }
        XCTAssertThrowsError(try CgroupLimitValues(OCI.Resources(memory: OCI.MemoryResources(limit: 64 * mib, reservation: 65 * mib))))
    }

    /// `PATH:RATE` with the device looked up on the host; hostile and broken values fail in one line.
    func testDeviceRatesNameABlockDeviceOnTheHost() throws {
        // An independent source for the numbers: sysfs's `dev` file of a disk whose node is in /dev.
        let disks = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/block")) ?? []
        let disk = disks.sorted().first { name in
            var st = stat()
            return stat("/dev/" + name, &st) == 0 && st.st_mode & S_IFMT == S_IFBLK
        }
        try Prerequisite.require(disk != nil, "no block device in /dev with an entry in /sys/block")
        let name = disk!
        let numbers = try String(contentsOfFile: "/sys/block/\(name)/dev", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":").map { Int64($0)! }
        let bps = try BlockDeviceRate.parse("/dev/\(name):10mb", flag: "--device-read-bps", bytes: true)
        XCTAssertEqual(bps, BlockDeviceRate(major: numbers[0], minor: numbers[1], rate: 10 << 20))
        XCTAssertEqual(bps.path, "/dev/\(name)", "inspect names the device by the kernel's name for the numbers")
        XCTAssertEqual(BlockDeviceRate(major: 4095, minor: 0xffffe, rate: 1).path, "/dev/block/4095:1048574", "a device the host lacks")
        XCTAssertEqual(try BlockDeviceRate.parse("/dev/\(name):250", flag: "--device-write-iops", bytes: false).rate, 250)
        // A symlink to the node is followed, as docker follows /dev/disk/by-id links.
        let link = NSTemporaryDirectory() + "berth-disk-link-\(getpid())"
        XCTAssertEqual(symlink("/dev/" + name, link), 0)
        defer { unlink(link) }
        XCTAssertEqual(try BlockDeviceRate.parse(link + ":1k", flag: "--device-read-bps", bytes: true), BlockDeviceRate(major: numbers[0], minor: numbers[1], rate: 1024))

        func message(_ text: String, bytes: Bool = true) -> String? {
            do { _ = try BlockDeviceRate.parse(text, flag: "--device-read-bps", bytes: bytes); return nil } catch { return error.description }
        }
        XCTAssertEqual(message("/dev/null:1mb"), "--device-read-bps: '/dev/null' is not a block device")
        XCTAssertEqual(message("/no/such/disk:1mb"), "--device-read-bps: stat /no/such/disk: No such file or directory")
        XCTAssertEqual(message("sda:1mb"), "--device-read-bps: the device path 'sda' must be absolute, e.g. /dev/sda")
        XCTAssertEqual(message("/dev/sda"), "--device-read-bps: invalid value '/dev/sda': expected <device-path>:<number>[<unit>] with a unit of b, k, m or g")
        XCTAssertEqual(message("/dev/\(name):lots"), "--device-read-bps: invalid rate 'lots' for '/dev/\(name)': expected <number>[<unit>] with a unit of b, k, m or g")
        XCTAssertEqual(message("/dev/\(name):-1"), "--device-read-bps: invalid rate '-1' for '/dev/\(name)': expected <number>[<unit>] with a unit of b, k, m or g")
        XCTAssertEqual(message("/dev/\(name):1.5", bytes: false), "--device-read-bps: invalid rate '1.5' for '/dev/\(name)': expected <number>")
        XCTAssertEqual(message("/dev/\(name):99999999999999999999", bytes: false), "--device-read-bps: invalid rate '99999999999999999999' for '/dev/\(name)': expected <number>")
        XCTAssertEqual(message("/dev/\u{1b}]0;pwned\u{7}:1"), "--device-read-bps: stat /dev/\\x1b]0;pwned\\x07: No such file or directory")
    }

    func testComposeKeysAndTheirPaths() throws {
        func parse(_ yaml: String) throws -> ResourceLimits {
            try XCTUnwrap(try ComposeParser.parse(yaml, options: .init(environment: [:])).services.first).template.limits
        }
        func message(_ yaml: String) -> String? {
            do { _ = try ComposeParser.parse(yaml, options: .init(environment: [:])); return nil } catch {
                return (error as? BerthError)?.description
            }
        }
        let svc = "services:\n  web:\n    image: busybox\n"
        let l = try parse(svc + "    cpu_period: 50000\n    cpu_quota: 25ms\n    cpuset: \"0\"\n    mem_limit: 64m\n    mem_reservation: 32m\n    blkio_config:\n      weight: 300\n")
        XCTAssertEqual(l.cpuPeriod, 50_000)
        XCTAssertEqual(l.cpuQuota, 25_000, "a duration, as compose allows")
        XCTAssertEqual(l.cpusetCpus, "0")
        XCTAssertEqual(l.memoryReservation, 32 * mib)
        XCTAssertEqual(l.blkioWeight, 300)
        XCTAssertEqual(try parse(svc + "    deploy:\n      resources:\n        reservations:\n          memory: 16m\n").memoryReservation, 16 * mib)
        XCTAssertEqual(try parse(svc + "    cpu_quota: -1\n").cpuQuota, -1)

        XCTAssertEqual(message(svc + "    cpu_period: 10\n"),
                       "services.web.cpu_period: the CPU period (10) must be between 1000 and 1000000 microseconds (1ms to 1s)")
        XCTAssertEqual(message(svc + "    cpus: 0.5\n    cpu_quota: 20000\n"),
                       "services.web.cpu_quota: Conflicting options: Nano CPUs and CPU Period/Quota cannot both be set: give --cpus, or --cpu-period and --cpu-quota")
        XCTAssertEqual(message(svc + "    mem_limit: 64m\n    mem_reservation: 128m\n"),
                       "services.web.mem_reservation: Minimum memory limit should be larger than memory reservation limit: the memory limit (64.0MiB) is below the reservation (128.0MiB)")
        XCTAssertEqual(message(svc + "    deploy:\n      resources:\n        reservations:\n          memory: 1m\n"),
                       "services.web.deploy.resources.reservations.memory: the memory reservation (1.0MiB) is below the minimum of 6MiB")
        XCTAssertEqual(message(svc + "    blkio_config:\n      weight: 5\n"),
                       "services.web.blkio_config.weight: the block IO weight (5) must be between 10 and 1000")
        XCTAssertEqual(message(svc + "    blkio_config:\n      weight_device: []\n"),
                       "services.web.blkio_config.weight_device: not supported (weight, device_read_bps, device_write_bps, device_read_iops, device_write_iops are)")
        XCTAssertEqual(message(svc + "    blkio_config:\n      device_read_bps:\n        - path: /dev/null\n          rate: 1mb\n"),
                       "services.web.blkio_config.device_read_bps[0]: '/dev/null' is not a block device")
        XCTAssertEqual(message(svc + "    blkio_config:\n      device_write_iops:\n        - path: /dev/null\n"),
                       "services.web.blkio_config.device_write_iops[0]: missing rate")
        XCTAssertEqual(message(svc + "    cpu_quota: lots\n"),
                       "services.web.cpu_quota: expected microseconds or a duration such as 100ms, not 'lots'")
        XCTAssertEqual(message(svc + "    cpuset: \"0;rm\"\n"),
                       "services.web.cpuset: the cpuset '0;rm' is not a CPU list such as 0-1 or 0,2")
    }

    /// `update`: `--cpus` and `--cpu-quota`/`--cpu-period` replace each other; a period alone
    /// over a `--cpus` limit keeps its quota; both forms at once are the rules' conflict.
    func testUpdateMergesTheTwoCPUForms() throws {
        func merged(_ start: ResourceLimits, _ edit: (inout ContainerUpdate) -> Void) throws -> ResourceLimits {
            var change = ContainerUpdate()
            edit(&change)
            var l = start
            try Engine.mergeCPU(change, into: &l)
            return l
        }
        let half = ResourceLimits(cpus: 0.5)
        let periodOnly = try merged(half) { $0.cpuPeriod = 50_000 }
        XCTAssertNil(periodOnly.cpus)
        XCTAssertEqual(periodOnly.cpuQuota, 50_000)
        XCTAssertEqual(periodOnly.cpuPeriod, 50_000)
        XCTAssertEqual(try merged(half) { $0.cpuQuota = 20_000 }.cpuLimit, 0.2)
        let back = try merged(periodOnly) { $0.cpus = 2 }
        XCTAssertEqual(back, ResourceLimits(cpus: 2))
        let both = try merged(half) { $0.cpus = 1; $0.cpuQuota = 20_000 }
        XCTAssertEqual(violation(both)?.field, .cpus)
    }
}
