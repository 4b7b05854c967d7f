@testable import BerthOS
@testable import BerthRuntime
import BerthOCI
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The launch plan through the real C reader: every kind of plan the Swift side writes is read
/// back by `berth-shim --check-plan` exactly (nothing dropped, nothing truncated), by the shipped
/// binary and by a copy built with AddressSanitizer and UBSan; what the reader must refuse, it
/// refuses with one line naming the cause; and a short libFuzzer run over the reader.
final class ShimPlanReaderTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static var shim: String { (BerthCLI.binary as NSString).deletingLastPathComponent + "/berth-shim" }
    static let clang = ["/opt/swift/usr/bin/clang", "/usr/bin/clang"].first { FileManager.default.isExecutableFile(atPath: $0) }

    private var scratch = ""

    override func setUpWithError() throws {
        scratch = NSTemporaryDirectory() + "berth-plan-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: scratch)
        super.tearDown()
    }

    /// Builds a copy of the shim (or another program) from C sources with the sanitizers.
    private func compile(_ sources: [String], output: String, flags: [String]) throws -> String {
        guard let clang = Self.clang else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("clang is missing (the Swift toolchain ships it)") }
            throw XCTSkip("clang is missing")
        }
        let path = scratch + "/" + output
        let r = Subprocess.run(clang, ["-std=gnu11", "-D_GNU_SOURCE", "-g", "-O1", "-fuse-ld=lld",
                                       "-I", Self.repo + "/Sources/berth-shim"] + flags + sources + ["-o", path])
        XCTAssertEqual(r.status, 0, "compiling \(output): \(r.stderr)")
        return path
    }

    private func sanitizedShim() throws -> String {
        let dir = Self.repo + "/Sources/berth-shim"
        let sources = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".c") }.map { dir + "/" + $0 }
        return try compile(sources, output: "berth-shim-asan", flags: ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"])
    }

    /// `--check-plan` of `bytes`: its exit status, the parsed lines as (key, fields), stderr.
    private func check(_ bytes: [UInt8], with shim: String = ShimPlanReaderTests.shim) throws -> (Int32, [(String, [String])], String) {
        let file = scratch + "/plan-\(UUID().uuidString.prefix(6))"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let r = Subprocess.run(shim, ["--check-plan", file], timeout: 60)
        let lines = r.stdout.split(separator: "\n").map { line -> (String, [String]) in
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return (parts[0], parts.dropFirst().map(Self.unescape))
        }
        return (r.status, lines, r.stderr)
    }

    static func unescape(_ s: String) -> String {
        var out = [UInt8](), bytes = Array(s.utf8), i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count {
                switch bytes[i + 1] {
                case UInt8(ascii: "t"): out.append(9); i += 2
                case UInt8(ascii: "n"): out.append(10); i += 2
                case UInt8(ascii: "x"): out.append(UInt8(String(decoding: bytes[(i + 2)..<(i + 4)], as: UTF8.self), radix: 16)!); i += 4
                default: out.append(bytes[i + 1]); i += 2
                }
            } else { out.append(bytes[i]); i += 1 }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func values(_ lines: [(String, [String])], _ key: String) -> [[String]] { lines.filter { $0.0 == key }.map(\.1) }
    private func value(_ lines: [(String, [String])], _ key: String) -> String? { values(lines, key).first?.first }

    /// A create plan with every kind of entry, far past the old fixed limits (256 args and env,
    /// 64 mounts, 32 masked paths, 16 cgroup files), and values with tabs, newlines, backslashes
    /// and non-ASCII text.
    static func bigPlan() -> LaunchPlan {
        var plan = LaunchPlan(
            id: "abc", stateDirectory: "/r/containers/abc", logPath: "/r/containers/abc/container.log",
            rootfs: "/r/containers/abc/rootfs", namespaces: ["pid", "mount", "uts", "ipc", "network", "cgroup"], hostname: "web",
            mounts: [.init(type: "overlay", source: "overlay", destination: "/", flags: 4, data: "lowerdir=/l,upperdir=/u,workdir=/w")]
                + (0..<100).map { .init(type: "tmpfs", source: "tmpfs", destination: "/m/\($0)", flags: 6, data: "size=\($0)k") },
            devices: (0..<40).map { .init(path: "/dev/d\($0)", kind: $0 % 2 == 0 ? "c" : "b", major: UInt32($0), minor: 3, mode: 0o640) },
            symlinks: (0..<40).map { ("/proc/self/fd/\($0)", "/dev/fd\($0)") },
            maskedPaths: (0..<100).map { "/proc/masked\($0)" }, readonlyPaths: (0..<100).map { "/proc/ro\($0)" },
            args: ["sh", "-c", "echo $#", "sh"] + (1...1000).map(String.init),
            env: (0..<1000).map { "V\($0)=tab\there\\back\nline ünïcødé ✓" }, cwd: "/work dir",
            uid: 1000, gid: 1001, additionalGids: (0..<100).map { UInt32($0) }, capabilities: [0, 1, 5, 31, 40],
            noNewPrivileges: true, cgroupProcsFiles: (0..<40).map { "/sys/fs/cgroup/c\($0)/cgroup.procs" },
            oomCounterFile: "/sys/fs/cgroup/memory/x/memory.oom_control", restart: "on-failure", restartMax: 3,
            onExit: ["/usr/bin/berth", "rm", "--autoremove", "abc"])
        plan.domainname = "corp.example"
        plan.network = .init(bridge: "berth0", hostInterface: "berthabc", address: IPv4Address("10.213.0.7")!, prefix: 16,
                             gateway: IPv4Address("10.213.0.1")!, address6: IPv6Address("fd62:6572:7468:1::2")!, prefix6: 64,
                             gateway6: IPv6Address("fd62:6572:7468:1::1")!)
        plan.extraNetworks = (1...9).map {
            .init(bridge: "berth1234abcd", hostInterface: "berthabc\($0)", interface: "eth\($0)",
                  address: IPv4Address("10.215.\($0).2")!, prefix: 24, gateway: nil,
                  address6: $0 % 2 == 0 ? IPv6Address("fd00:\($0)::ffff")! : nil, prefix6: 120)
        }
        plan.ports = (0..<LaunchPlan.maximumPorts).map {
            PortMapping(hostIP: IPv4Address("127.0.0.1")!, hostPort: UInt16(8000 + $0), containerPort: 80, proto: $0 % 2 == 0 ? .tcp : .udp)
        }
        plan.seccomp = try? PlanBuilder.seccompFilter(SeccompDefaults.profile.resolve(capabilities: DefaultSpec.capabilityNames, kernel: (6, 1)))
        plan.dns = .init(directory: "/r/networks/names", servers: ["127.0.0.53", "10.0.0.1", "192.0.2.2"].map { IPv4Address($0)! },
                         networks: ["bridge", "front end"])
        plan.tty = true
        plan.rootReadonly = true
        plan.rlimits = [.init(resource: 7, soft: 100, hard: 200), .init(resource: 4, soft: .max, hard: .max)]
        plan.sysctls = [("net.ipv4.ip_forward", "1"), ("kernel.sem", "250\t32000 32 128")]
        plan.initProcess = true
        plan.health = LaunchPlan.Health(HealthConfig(test: ["CMD-SHELL", "curl -f http://localhost/\t || exit 1"],
                                                     interval: 1_500_000_000, startPeriod: 60_000_000_000, retries: 7))
        return plan
    }

    private func assertReadBack(_ plan: LaunchPlan, with shim: String = ShimPlanReaderTests.shim, file: StaticString = #filePath, line: UInt = #line) throws {
        let (status, lines, stderr) = try check(plan.validatedEncoding(), with: shim)
        XCTAssertEqual(status, 0, stderr, file: file, line: line)
        XCTAssertEqual(values(lines, "arg").map { $0[0] }, plan.args, "args", file: file, line: line)
        XCTAssertEqual(values(lines, "env").map { $0[0] }, plan.env, "env", file: file, line: line)
        XCTAssertEqual(value(lines, "cwd"), plan.cwd, file: file, line: line)
        XCTAssertEqual(value(lines, "uid"), String(plan.uid), file: file, line: line)
        XCTAssertEqual(value(lines, "gid"), String(plan.gid), file: file, line: line)
        XCTAssertEqual(values(lines, "gids").map { $0[0] }, plan.additionalGids.map(String.init), file: file, line: line)
        let mask = plan.capabilities.reduce(UInt64(0)) { $0 | (UInt64(1) << UInt64($1)) }
        XCTAssertEqual(value(lines, "caps").flatMap { UInt64($0, radix: 16) }, mask, file: file, line: line)
        XCTAssertEqual(value(lines, "no_new_privs"), plan.noNewPrivileges ? "1" : "0", file: file, line: line)
        XCTAssertEqual(Set(values(lines, "ns").map { $0[0] }), Set(plan.namespaces), file: file, line: line)
        XCTAssertEqual(values(lines, "mount"), plan.mounts.map { [$0.type, $0.source, $0.destination, String($0.flags), $0.data] }, file: file, line: line)
        XCTAssertEqual(values(lines, "device"), plan.devices.map { [$0.path, String($0.kind), String($0.major), String($0.minor), String($0.mode)] }, file: file, line: line)
        XCTAssertEqual(values(lines, "symlink"), plan.symlinks.map { [$0.0, $0.1] }, file: file, line: line)
        XCTAssertEqual(values(lines, "masked").map { $0[0] }, plan.maskedPaths, file: file, line: line)
        XCTAssertEqual(values(lines, "readonly").map { $0[0] }, plan.readonlyPaths, file: file, line: line)
        XCTAssertEqual(values(lines, "cgroup_procs").map { $0[0] }, plan.cgroupProcsFiles, file: file, line: line)
        XCTAssertEqual(values(lines, "on_exit").map { $0[0] }, plan.onExit, file: file, line: line)
        XCTAssertEqual(value(lines, "seccomp_bpf"), plan.seccomp.map { Hex.lowercase($0.program) }, file: file, line: line)
        XCTAssertEqual(values(lines, "port"), plan.ports.map { [$0.hostIP.description, String($0.hostPort), String($0.containerPort), $0.proto.rawValue] },
                       file: file, line: line)
        XCTAssertEqual(value(lines, "tty"), plan.tty ? "1" : "0", file: file, line: line)
        XCTAssertEqual(value(lines, "interactive"), plan.interactive ? "1" : "0", file: file, line: line)
        XCTAssertEqual(value(lines, "root_readonly"), plan.rootReadonly ? "1" : "0", file: file, line: line)
        // --check-plan prints numbers signed: RLIM_INFINITY reads as -1.
        XCTAssertEqual(values(lines, "rlimit"), plan.rlimits.map { [String($0.resource), String(Int64(bitPattern: $0.soft)), String(Int64(bitPattern: $0.hard))] },
                       file: file, line: line)
        XCTAssertEqual(values(lines, "sysctl"), plan.sysctls.map { [$0.0, $0.1] }, file: file, line: line)
        XCTAssertEqual(value(lines, "init"), plan.initProcess ? "1" : nil, file: file, line: line)
        XCTAssertEqual(values(lines, "health_arg").map { $0[0] }, plan.health?.args ?? [], file: file, line: line)
        XCTAssertEqual(value(lines, "health_interval"), plan.health.map { String($0.intervalMs) }, file: file, line: line)
        XCTAssertEqual(value(lines, "health_timeout"), plan.health.map { String($0.timeoutMs) }, file: file, line: line)
        XCTAssertEqual(value(lines, "health_start_period"), plan.health.map { String($0.startPeriodMs) }, file: file, line: line)
        XCTAssertEqual(value(lines, "health_start_interval"), plan.health.map { String($0.startIntervalMs) }, file: file, line: line)
        XCTAssertEqual(value(lines, "health_retries"), plan.health.map { String($0.retries) }, file: file, line: line)
        XCTAssertEqual(value(lines, "dns_dir"), plan.dns?.directory, file: file, line: line)
        XCTAssertEqual(values(lines, "dns_networks").first, plan.dns.map { $0.networks.isEmpty ? nil : $0.networks } ?? nil, file: file, line: line)
        XCTAssertEqual(values(lines, "dns_servers").first, plan.dns.map { $0.servers.isEmpty ? nil : $0.servers.map(\.description) } ?? nil,
                       file: file, line: line)
        XCTAssertEqual(value(lines, "oci"), plan.oci == nil ? nil : "1", file: file, line: line)
        XCTAssertEqual(values(lines, "ns_path"), plan.namespacePaths.map { [$0.0, $0.1] }, file: file, line: line)
        XCTAssertEqual(value(lines, "console_socket"), plan.oci?.consoleSocket, file: file, line: line)
        XCTAssertEqual(value(lines, "pid_file"), plan.oci?.pidFile, file: file, line: line)
        XCTAssertEqual(value(lines, "detach"), plan.oci?.detach == true ? "1" : nil, file: file, line: line)
        XCTAssertEqual(value(lines, "oom_score_adj"), plan.oomScoreAdj.map { String($0) }, file: file, line: line)
        // Each hook, then its own arguments and environment.
        let hookLines = lines.filter { ["hook", "hook_arg", "hook_env"].contains($0.0) }.map { [$0.0] + $0.1 }
        let expectedHooks = (plan.oci?.hooks ?? []).flatMap { h in
            [["hook", h.stage.rawValue, String(h.timeout), h.path]] + h.args.map { ["hook_arg", $0] } + h.env.map { ["hook_env", $0] }
        }
        XCTAssertEqual(hookLines, expectedHooks, file: file, line: line)
        XCTAssertEqual(value(lines, "oci_state"), plan.oci.flatMap { $0.hooks.isEmpty ? nil : $0.ociState }, file: file, line: line)
        XCTAssertEqual(value(lines, "seccomp_listener"), plan.oci?.seccompListener?.path, file: file, line: line)
        XCTAssertEqual(value(lines, "seccomp_listener_head"), plan.oci?.seccompListener?.head, file: file, line: line)
        XCTAssertEqual(value(lines, "preserve_fds"), plan.oci.flatMap { $0.preserveFDs > 0 ? String($0.preserveFDs) : nil }, file: file, line: line)
        // --check-plan prints the umask in decimal.
        XCTAssertEqual(value(lines, "umask"), plan.umask.map { String($0) }, file: file, line: line)
        XCTAssertEqual(value(lines, "net_join_pid"), plan.joinNetwork.map { String($0.pid) }, file: file, line: line)
        XCTAssertEqual(value(lines, "net_join_start"), plan.joinNetwork.map { String($0.startTime) }, file: file, line: line)
        XCTAssertEqual(value(lines, "net_join_parent"), plan.joinNetwork.map { String($0.parent) }, file: file, line: line)
        switch plan.mode {
        case .create:
            XCTAssertEqual(value(lines, "mode"), "create", file: file, line: line)
            XCTAssertEqual(value(lines, "id"), plan.id, file: file, line: line)
            XCTAssertEqual(value(lines, "state_dir"), plan.stateDirectory, file: file, line: line)
            XCTAssertEqual(value(lines, "log"), plan.logPath, file: file, line: line)
            XCTAssertEqual(value(lines, "rootfs"), plan.rootfs, file: file, line: line)
            XCTAssertEqual(value(lines, "hostname"), plan.hostname, file: file, line: line)
            XCTAssertEqual(value(lines, "domainname"), plan.domainname, file: file, line: line)
            XCTAssertEqual(value(lines, "oom_file"), plan.oomCounterFile, file: file, line: line)
            XCTAssertEqual(value(lines, "restart"), plan.restart, file: file, line: line)
            XCTAssertEqual(value(lines, "restart_max"), String(plan.restartMax ?? -1), file: file, line: line)
            XCTAssertEqual(value(lines, "net_addr"), plan.network?.address.description, file: file, line: line)
            XCTAssertEqual(value(lines, "net_prefix"), plan.network.map { String($0.prefix) }, file: file, line: line)
            XCTAssertEqual(value(lines, "net_gw"), plan.network?.gateway?.description, file: file, line: line)
            XCTAssertEqual(values(lines, "net_if"), plan.extraNetworks.map {
                [$0.bridge, $0.hostInterface, $0.interface, $0.address.description, String($0.prefix)]
            }, file: file, line: line)
            XCTAssertEqual(values(lines, "net_addr6"), ([plan.network].compactMap { $0 } + plan.extraNetworks).compactMap { n in
                n.address6.map { [n.interface, $0.description, String(n.prefix6), n.gateway6?.description ?? ""] }
            }, file: file, line: line)
            XCTAssertEqual(value(lines, "net_bridge"), plan.network?.bridge, file: file, line: line)
            XCTAssertEqual(value(lines, "net_host"), plan.network?.hostInterface, file: file, line: line)
        case .exec(let pid):
            XCTAssertEqual(value(lines, "mode"), "exec", file: file, line: line)
            XCTAssertEqual(value(lines, "target_pid"), String(pid), file: file, line: line)
            XCTAssertEqual(value(lines, "target_start"), plan.targetStartTime.map(String.init), file: file, line: line)
        }
    }

    static func execPlan() -> LaunchPlan {
        LaunchPlan.exec(id: "abc", targetPid: 4242, namespaces: ["pid", "mount", "network", "cgroup"],
                        args: ["ls", "-l", "a\tb"], env: (0..<1000).map { "E\($0)=\($0)" }, cwd: "/tmp", uid: 5, gid: 6,
                        additionalGids: [7, 8], capabilities: [0, 5], noNewPrivileges: true,
                        cgroupProcsFiles: ["/sys/fs/cgroup/x/cgroup.procs"], seccomp: SeccompFilter(program: [0x06, 0, 0, 0, 0, 0, 0xff, 0x7f], flags: 0),
                        tty: false, interactive: true, targetStartTime: 9_876_543_210)
    }

    func testEveryKindOfPlanIsReadBackWhole() throws {
        try assertReadBack(Self.bigPlan())
        try assertReadBack(Self.execPlan())
        var minimal = Self.bigPlan()
        minimal.network = nil; minimal.extraNetworks = []; minimal.ports = []; minimal.seccomp = nil; minimal.tty = false
        minimal.hostname = nil; minimal.oomCounterFile = nil; minimal.restartMax = nil; minimal.onExit = []
        minimal.rootReadonly = false
        minimal.health = nil
        try assertReadBack(minimal)
        // docker's defaults where the healthcheck gives none; the shell form under /bin/sh -c.
        let defaults = try XCTUnwrap(Self.bigPlan().health)
        XCTAssertEqual(defaults.args, ["/bin/sh", "-c", "curl -f http://localhost/\t || exit 1"])
        XCTAssertEqual([defaults.intervalMs, defaults.timeoutMs, defaults.startPeriodMs, defaults.startIntervalMs], [1500, 30000, 60000, 5000])
        XCTAssertEqual(defaults.retries, 7)
        // berth-runc's: the OCI mode, with the spec's oomScoreAdj (negative too) and umask.
        var oci = Self.bigPlan()
        oci.oci = .init(consoleSocket: "/run/console \t.sock")
        oci.oomScoreAdj = -500
        oci.umask = 0o027
        oci.namespacePaths = [("network", "/run/netns/pod"), ("pid", "/proc/42/ns/pid"), ("cgroup", "/proc/42/ns/cgroup")]
        oci.oci?.hooks = LaunchPlan.OCIRuntime.Hook.Stage.allCases.flatMap { stage in
            (0..<3).map { i in
                LaunchPlan.OCIRuntime.Hook(stage: stage, path: "/usr/libexec/hook \(i)", args: i == 0 ? [] : ["hook", "a\tb", "ü"],
                                           env: i == 2 ? ["A=1", "B=two words"] : [], timeout: i * 7)
            }
        }
        oci.oci?.preserveFDs = 7
        oci.oci?.seccompListener = .init(path: "/run/agent \t.sock", head: try RuncPlan.listenerHead(metadata: "m\t\"x\""))
        oci.oci?.ociState = try RuncPlan.ociState(id: "abc", bundle: "/b", annotations: ["k": "v\u{1}\\\""])
        try assertReadBack(oci)
        // --network container:NAME: no network namespace of its own, the other's init to join.
        var joiner = minimal
        joiner.namespaces.removeAll { $0 == "network" }
        joiner.sysctls = []
        joiner.dns = nil
        joiner.joinNetwork = .init(pid: 4242, startTime: 9_876_543_210, parent: 4200)
        try assertReadBack(joiner)
        var ociExec = Self.execPlan()
        ociExec.oci = .init(consoleSocket: nil, pidFile: "/run/exec.pid", detach: true)
        try assertReadBack(ociExec)
    }

    /// A bundle's hostname or domainname with a NUL would start a record of its own in the plan:
    /// refused before the plan is written.
    func testANulInTheHostnameOrDomainnameIsRefused() {
        for (field, expected) in [("hostname", "the hostname contains a NUL byte"), ("domainname", "the domain name contains a NUL byte")] {
            var plan = Self.bigPlan()
            if field == "hostname" { plan.hostname = "web\u{0}mount\u{0}x" } else { plan.domainname = "d\u{0}ns\u{0}x" }
            XCTAssertThrowsError(try plan.validate()) { XCTAssertEqual("\($0)", expected) }
        }
    }

    /// The same plans through a shim built with AddressSanitizer and UBSan: no overflow, no leak
    /// report, no undefined behaviour in the reader or the printer.
    func testTheReaderIsCleanUnderAddressSanitizer() throws {
        let shim = try sanitizedShim()
        try assertReadBack(Self.bigPlan(), with: shim)
        try assertReadBack(Self.execPlan(), with: shim)
        for bytes in Self.refusedPlans().map(\.bytes) {
            let (status, _, stderr) = try check(bytes, with: shim)
            XCTAssertEqual(status, 125, stderr)
            XCTAssertFalse(stderr.contains("Sanitizer"), stderr)
        }
    }

    static func pairs(_ list: [(String, String)]) -> [UInt8] {
        list.flatMap { Array($0.0.utf8) + [0] + Array($0.1.utf8) + [0] }
    }

    /// Plans the reader must refuse, with a word its one-line reason must contain.
    static func refusedPlans() -> [(bytes: [UInt8], reason: String)] {
        let good = Self.execPlan().encoded()
        // A create plan without a network namespace (a joiner's, but for net_join).
        var ownless = Self.bigPlan()
        ownless.namespaces.removeAll { $0 == "network" }
        ownless.sysctls = []
        let create = ownless.encoded()
        var unfiltered = Self.execPlan()
        unfiltered.seccomp = nil
        let bare = unfiltered.encoded()
        let ret = "060000000000ff7f"
        return [
            // A seccomp program that is not whole instructions, not hex, longer than the kernel
            // takes, or given twice (good has one).
            (bare + pairs([("seccomp_bpf", "06000000")]), "'seccomp_bpf'"),
            (bare + pairs([("seccomp_bpf", "06000000000zff7f")]), "'seccomp_bpf'"),
            (bare + pairs([("seccomp_bpf", String(repeating: ret, count: 4097))]), "'seccomp_bpf'"),
            (bare + pairs([("seccomp_bpf", "")]), "'seccomp_bpf'"),
            (good + pairs([("seccomp_bpf", ret)]), "'seccomp_bpf'"),
            (good + pairs([("seccomp_flags", "x")]), "'seccomp_flags'"),
            (good + pairs([("seccomp_mode", "strict")]), "'seccomp_mode'"),
            (good + pairs([("uid", "12abc")]), "'uid'"),
            // An IPv6 address the kernel would not take, or a prefix longer than 128.
            (good + pairs([("net_addr6", "eth0\u{1F}fd00::1::2\u{1F}64\u{1F}")]), "'net_addr6'"),
            (good + pairs([("net_addr6", "eth0\u{1F}fd00::2\u{1F}129\u{1F}")]), "'net_addr6'"),
            (good + pairs([("net_addr6", "eth0\u{1F}fd00::2\u{1F}64\u{1F}10.0.0.1")]), "'net_addr6'"),
            (good + pairs([("net_addr6", "eth0\u{1F}fd00::2\u{1F}64")]), "'net_addr6'"),
            // net_join: all three numbers, and never beside a network namespace of its own.
            (create + pairs([("net_join_pid", "42")]), "net_join"),
            (create + pairs([("net_join_pid", "42"), ("net_join_start", "7")]), "net_join"),
            (create + pairs([("net_join_pid", "x42"), ("net_join_start", "7"), ("net_join_parent", "1")]), "'net_join_pid'"),
            (create + pairs([("ns", "network"), ("net_join_pid", "42"), ("net_join_start", "7"), ("net_join_parent", "1")]), "net_join"),
            (good + pairs([("gids", "-1")]), "'gids'"),
            (good + pairs([("ns", "time")]), "'time'"),
            (good + pairs([("mount", "a\u{1F}b")]), "'mount'"),
            // A sysctl name that could leave /proc/sys, or a resource the kernel has no number for.
            (good + pairs([("sysctl", "net/../../x\u{1F}1")]), "'net/../../x'"),
            (good + pairs([("sysctl", "net..x\u{1F}1")]), "'net..x'"),
            (good + pairs([("sysctl", ".net\u{1F}1")]), "'.net'"),
            (good + pairs([("rlimit", "16\u{1F}1\u{1F}1")]), "'rlimit'"),
            // A published port of a protocol the proxy does not relay.
            (good + pairs([("port", "127.0.0.1\u{1F}9000\u{1F}80\u{1F}sctp")]), "'port'"),
            (good + pairs([("port", "127.0.0.1\u{1F}9000\u{1F}80\u{1F}udp\u{1F}x")]), "'port'"),
            (good + pairs((0...LaunchPlan.maximumPorts).map { ("port", "127.0.0.1\u{1F}\(9000 + $0)\u{1F}80") }), "ports"),
            // A healthcheck without its schedule, or with a duration past a year.
            (good + pairs([("health_arg", "true")]), "healthcheck"),
            (good + pairs([("health_interval", "31536000001")]), "'health_interval'"),
            // Hooks: an unknown stage, a relative path, an argument before any hook, hooks outside
            // an OCI create (good is a Berth container's plan), a timeout past a year.
            (good + pairs([("hook", "poststart\u{1F}0\u{1F}/bin/true")]), "'poststart'"),
            (good + pairs([("hook", "prestart\u{1F}0\u{1F}bin/true")]), "'hook'"),
            (good + pairs([("hook_arg", "x")]), "'hook_arg'"),
            (good + pairs([("hook", "prestart\u{1F}0\u{1F}/bin/true"), ("oci_state", "}")]), "hooks outside an OCI create"),
            (good + pairs([("oci", "1"), ("hook", "prestart\u{1F}31536001\u{1F}/bin/true"), ("oci_state", "}")]), "'hook'"),
            // A seccomp listener without a filter or the state to send with it.
            (bare + pairs([("seccomp_listener", "/run/a.sock"), ("seccomp_listener_head", "\"fds\":[]"), ("oci_state", "}")]), "seccomp listener"),
            (good + pairs([("seccomp_listener", "/run/a.sock")]), "seccomp listener"),
            (good + pairs([("seccomp_listener", "run/a.sock")]), "'seccomp_listener'"),
            // Descriptors passed on outside an OCI create, or more than the shim takes.
            (good + pairs([("preserve_fds", "2")]), "outside berth-runc's create or exec"),
            (good + pairs([("oci", "1"), ("preserve_fds", "4097")]), "'preserve_fds'"),
            (Array(good.dropLast()), "truncated"),
            (pairs([("berth-plan", "2"), ("mode", "exec")]), "version"),
            (pairs([("berth-plan", "1"), ("mode", "exec"), ("id", "x")]), "target_pid"),
        ]
    }

    func testUnknownKeysAndBadValuesAreRefusedByName() throws {
        for (bytes, reason) in Self.refusedPlans() {
            let (status, lines, stderr) = try check(bytes)
            XCTAssertEqual(status, 125, "accepted a plan that should fail with \(reason)")
            XCTAssertTrue(lines.isEmpty)
            XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr)
            XCTAssertTrue(stderr.contains(reason), "\(stderr) should name \(reason)")
        }
        // A key marked optional is skipped by a shim that does not know it.
        let (status, lines, stderr) = try check(Self.execPlan().encoded() + Self.pairs([("opt.future_step", "1")]))
        XCTAssertEqual(status, 0, stderr)
        XCTAssertEqual(value(lines, "target_pid"), "4242")
    }

    func testSwiftRefusesWhatTheShimCannotCarry() {
        var plan = Self.bigPlan()
        plan.ports.append(PortMapping(hostIP: IPv4Address("127.0.0.1")!, hostPort: 9999, containerPort: 1))
        XCTAssertThrowsError(try plan.validatedEncoding()) { XCTAssertTrue("\($0)".contains("published ports"), "\($0)") }
        plan = Self.bigPlan()
        plan.symlinks.append(("a\u{1F}", "/b"))
        XCTAssertThrowsError(try plan.validatedEncoding())
        plan = Self.bigPlan()
        plan.joinNetwork = .init(pid: 42, startTime: 7, parent: 1)
        XCTAssertThrowsError(try plan.validatedEncoding()) { XCTAssertTrue("\($0)".contains("join another's network namespace"), "\($0)") }
        plan = Self.bigPlan()
        plan.env.append("HUGE=" + String(repeating: "x", count: LaunchPlan.maximumBytes))
        XCTAssertThrowsError(try plan.validatedEncoding()) { XCTAssertTrue("\($0)".contains("too large"), "\($0)") }
    }

    /// libFuzzer over plan_parse and the printer, seeded from Tests/Fuzz/corpus/plan (copied, so the
    /// tree is not written), for a fixed number of runs with a fixed seed: deterministic in CI.
    /// A longer run: see Tests/Fuzz/plan_fuzz.c and docs/security.md.
    func testFuzzTheReaderBriefly() throws {
        let fuzzer = try compile([Self.repo + "/Tests/Fuzz/plan_fuzz.c", Self.repo + "/Sources/berth-shim/plan.c",
                                  Self.repo + "/Sources/berth-shim/util.c"],
                                 output: "plan_fuzz", flags: ["-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all"])
        let corpus = scratch + "/corpus"
        try FileManager.default.copyItem(atPath: Self.repo + "/Tests/Fuzz/corpus/plan", toPath: corpus)
        let r = Subprocess.run(fuzzer, ["-seed=1", "-runs=200000", "-artifact_prefix=\(scratch)/", corpus], timeout: 300)
        XCTAssertEqual(r.status, 0, "the fuzzer found a crash: " + r.stderr.split(separator: "\n").suffix(30).joined(separator: "\n"))
        XCTAssertTrue(r.stderr.contains("Done 200000 runs"), r.stderr.split(separator: "\n").suffix(5).joined(separator: "\n"))
    }
}

/// The same plans from the engine itself, and the limits that used to be fixed, through `berth run`.
final class PlanLimitsTests: ContainerTestCase {
    override class var rootLabel: String { "planlimits" }

    func testAThousandArgumentsAndVariablesArrive() {
        let args = (1...1000).map(String.init)
        let r = cli.run(["run", "--rm", "--network", "none", "busybox", "sh", "-c", "echo $#", "sh"] + args)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "1000")
        let env = (0..<1000).flatMap { ["-e", "BERTH_V\($0)=\($0)"] }
        let e = cli.run(["run", "--rm", "--network", "none"] + env + ["busybox", "sh", "-c", "env | grep -c ^BERTH_V"])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(e.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "1000")
    }

    /// The plan the engine wrote for a real container reads back through the real shim.
    func testTheEnginesOwnPlanIsAccepted() throws {
        let r = cli.run(["run", "-d", "--name", "planned", "-p", "127.0.0.1:\(30000 + Int(getpid()) % 20000):80", "busybox", "sleep", "30"])
        guard r.status == 0 else { return XCTFail(r.stderr) }
        let id = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let plan = Self.root.path + "/containers/" + id + "/plan"
        let check = Subprocess.run(ShimPlanReaderTests.shim, ["--check-plan", plan])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stdout.contains("\nns\tmount\n"), check.stdout)
        XCTAssertTrue(check.stdout.contains("seccomp_bpf\t"), check.stdout)
        cli.run(["rm", "-f", "planned"])
    }
}
