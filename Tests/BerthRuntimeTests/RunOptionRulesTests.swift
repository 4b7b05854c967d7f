import XCTest
@testable import BerthOCI
@testable import BerthOS
@testable import BerthRuntime

/// `RunOptionRules`' parsers and rules, `EnvFile`, and the resolution of capabilities and
/// resolv.conf, without a container.
final class RunOptionRulesTests: XCTestCase {
    func testUlimitSyntax() throws {
        XCTAssertEqual(try RunOptionRules.parseUlimit("nofile=1024:2048"), .init(name: "nofile", soft: 1024, hard: 2048))
        XCTAssertEqual(try RunOptionRules.parseUlimit("nproc=50"), .init(name: "nproc", soft: 50, hard: 50))
        XCTAssertEqual(try RunOptionRules.parseUlimit("core=-1"), .init(name: "core", soft: .max, hard: .max))
        XCTAssertThrowsError(try RunOptionRules.parseUlimit("nofile=1:2:3"))
        XCTAssertThrowsError(try RunOptionRules.parseUlimit("nofile=x"))
        XCTAssertEqual(RunOptionRules.rlimitNumber(ociName: RunOptionRules.ociRlimitName("nofile")), 7)
    }

    func testDeviceAndExtraHostSyntax() throws {
        XCTAssertEqual(try RunOptionRules.parseDevice("/dev/fuse"), .init(hostPath: "/dev/fuse", containerPath: "/dev/fuse", permissions: "rwm"))
        XCTAssertEqual(try RunOptionRules.parseDevice("/dev/fuse:r"), .init(hostPath: "/dev/fuse", containerPath: "/dev/fuse", permissions: "r"))
        XCTAssertEqual(try RunOptionRules.parseDevice("/dev/a:/dev/b:rw"), .init(hostPath: "/dev/a", containerPath: "/dev/b", permissions: "rw"))
        XCTAssertEqual(try RunOptionRules.parseExtraHost("db:fd00::1"), .init(name: "db", address: "fd00::1"))
        XCTAssertEqual(try RunOptionRules.parseExtraHost("db=[fd00::1]"), .init(name: "db", address: "fd00::1"))
        XCTAssertThrowsError(try RunOptionRules.parseExtraHost("db:host-gateway"))
    }

    func testRulesRefuseWhatWouldBecomeAPathOrALine() {
        func refused(network: NetworkMode = .none, _ change: (inout RunOptions) -> Void) -> Bool {
            var o = RunOptions()
            change(&o)
            do { try RunOptionRules.check(o, network: network); return false } catch { return true }
        }
        XCTAssertFalse(refused { $0.sysctls = ["net.core.somaxconn": "1024", "kernel.shmmax": "1", "fs.mqueue.msg_max": "20"] })
        XCTAssertTrue(refused { $0.sysctls = ["vm.swappiness": "1"] })
        XCTAssertTrue(refused(network: .host) { $0.sysctls = ["net.ipv4.ip_forward": "1"] })
        XCTAssertTrue(refused { $0.sysctls = ["net/../../x": "1"] })
        XCTAssertTrue(refused { $0.extraHosts = [.init(name: "a\nb", address: "1.2.3.4")] })
        XCTAssertTrue(refused { $0.dnsSearch = ["a b"] })
        XCTAssertTrue(refused { $0.devices = [.init(hostPath: "/dev/../etc/shadow", containerPath: "/dev/x", permissions: "r")] })
        XCTAssertTrue(refused { $0.groupAdd = ["a:b"] })
        XCTAssertTrue(refused { $0.stopTimeout = -1 })
        XCTAssertFalse(refused { $0.dns = ["1.1.1.1", "2001:db8::1"]; $0.dnsOptions = ["ndots:2", "edns0"] })
    }

    func testCapabilitiesFollowDockersRules() throws {
        let all = Set(LinuxCapability.allCases)
        XCTAssertNil(try Engine.capabilities(add: [], drop: [], privileged: false, available: all))
        XCTAssertEqual(try Engine.capabilities(add: ["kill"], drop: ["ALL"], privileged: false, available: all), ["CAP_KILL"])
        let withoutRaw = try XCTUnwrap(try Engine.capabilities(add: ["ALL"], drop: ["NET_RAW"], privileged: false, available: all))
        XCTAssertEqual(withoutRaw.count, all.count - 1)
        // What Berth lacks: refused by name when asked for, left out of ALL and --privileged.
        let lacking = all.subtracting([.sysResource])
        XCTAssertThrowsError(try Engine.capabilities(add: ["SYS_RESOURCE"], drop: [], privileged: false, available: lacking))
        XCTAssertEqual(try Engine.capabilities(add: [], drop: [], privileged: true, available: lacking)?.count, lacking.count)
    }

    func testResolvConfReplacesOnlyTheKindsGiven() {
        let host = "nameserver 127.0.0.53\nnameserver 10.0.0.1\nsearch corp\noptions edns0\n"
        var o = RunOptions()
        XCTAssertEqual(Engine.resolvConf(host: host, network: .none, options: o), "nameserver 10.0.0.1\nsearch corp\noptions edns0\n")
        o.dns = ["9.9.9.9"]
        o.dnsOptions = ["ndots:2"]
        XCTAssertEqual(Engine.resolvConf(host: host, network: .none, options: o), "search corp\nnameserver 9.9.9.9\noptions ndots:2\n")
    }

    func testEnvFileLines() throws {
        XCTAssertEqual(try EnvFile.lines("# c\n\nA=1\r\n  B\nC=x=y\n", what: "f"), ["A=1", "B", "C=x=y"])
        XCTAssertThrowsError(try EnvFile.lines("A B=1\n", what: "f"))
        XCTAssertThrowsError(try EnvFile.lines("=1\n", what: "f"))
        XCTAssertEqual(try EnvFile.resolve("B", lookup: { $0 == "B" ? "v" : nil }), "B=v")
        XCTAssertNil(try EnvFile.resolve("B", lookup: { _ in nil }))
    }
}
