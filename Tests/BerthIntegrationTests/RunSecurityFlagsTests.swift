import BerthOS
import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The `run` flags about privileges and the kernel (capabilities, --privileged, --security-opt,
/// --ulimit, --device, --sysctl, --group-add, --init), each checked from inside the container,
/// and each refusal as one line with exit status 125.
final class RunSecurityFlagsTests: ContainerTestCase {
    override class var rootLabel: String { "secflags" }

    /// `KEY:\tVALUE` of the container's own /proc/self/status.
    func status(_ flags: [String], _ key: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let r = cli.run(["run", "--rm", "--network", "none"] + flags + ["busybox", "grep", "^\(key):", "/proc/self/status"])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return r.stdout.split(separator: "\t").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
    }

    static func mask(_ caps: [UInt8]) -> String {
        String(caps.reduce(UInt64(0)) { $0 | (1 << UInt64($1)) }, radix: 16).leftPadded(to: 16)
    }

    /// This process's bounding set: what --privileged and --cap-add ALL can give at most.
    static func ownBoundingSet() -> String {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("CapBnd:") } ?? ""
        return line.split(separator: "\t").last.map(String.init) ?? ""
    }

    func assertRefused(_ args: [String], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        let r = cli.run(args)
        XCTAssertEqual(r.status, 125, r.stdout + r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr, "berth: \(message)\n", file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
    }

    func testCapAddAndDropChangeTheEffectiveSet() {
        // docker's default set less MKNOD (docs/security.md): chown 0, dac_override 1, fowner 3,
        // fsetid 4, kill 5, setgid 6, setuid 7, setpcap 8, net_bind_service 10, net_raw 13,
        // sys_chroot 18, audit_write 29, setfcap 31.
        let defaults: [UInt8] = [0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 29, 31]
        XCTAssertEqual(status([], "CapEff"), Self.mask(defaults))
        XCTAssertEqual(status(["--cap-add", "NET_ADMIN", "--cap-drop", "cap_chown"], "CapEff"),
                       Self.mask(defaults.filter { $0 != 0 } + [12]), "NET_ADMIN (12) added, CHOWN (0) dropped")
        XCTAssertEqual(status(["--cap-drop", "ALL", "--cap-add", "KILL"], "CapEff"), Self.mask([5]))
        XCTAssertEqual(status(["--cap-drop", "ALL"], "CapBnd"), Self.mask([]))
        XCTAssertEqual(status(["--cap-add", "ALL", "--cap-drop", "NET_RAW"], "CapEff"),
                       String(UInt64(Self.ownBoundingSet(), radix: 16)! & ~(1 << 13), radix: 16).leftPadded(to: 16))
        // The change is real: chown fails without CAP_CHOWN.
        let chown = cli.run(["run", "--rm", "--network", "none", "--cap-drop", "CHOWN", "busybox", "chown", "1:1", "/tmp"])
        XCTAssertNotEqual(chown.status, 0, "chown without CAP_CHOWN")
        assertRefused(["run", "--rm", "--cap-add", "NOT_A_CAP", "busybox", "true"],
                      "unknown capability 'NOT_A_CAP': expected a name such as NET_ADMIN or ALL")
        // A service is refused before it is stored, and its replicas get the same set as `run`'s.
        assertRefused(["service", "create", "--cap-add", "NOT_A_CAP", "badcaps", "busybox", "sleep", "600"],
                      "unknown capability 'NOT_A_CAP': expected a name such as NET_ADMIN or ALL")
        XCTAssertFalse(cli.run(["service", "ls", "-q"]).stdout.contains("badcaps"))
        XCTAssertEqual(cli.run(["service", "create", "--network", "none", "--cap-drop", "ALL", "--cap-add", "KILL",
                                "capsvc", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["exec", "capsvc-1", "grep", "^CapBnd:", "/proc/self/status"]).stdout, "CapBnd:\t\(Self.mask([5]))\n")
        XCTAssertEqual(cli.run(["service", "rm", "-t", "1", "capsvc"]).status, 0)
    }

    func testPrivilegedHasEveryCapabilityNoSeccompTheHostsDevicesAndWritableSys() {
        XCTAssertEqual(status(["--privileged"], "CapEff"), Self.ownBoundingSet())
        XCTAssertEqual(status(["--privileged"], "Seccomp"), "0", "no seccomp filter")
        XCTAssertEqual(status([], "Seccomp"), "2", "the default filter")
        XCTAssertEqual(status(["--privileged"], "NoNewPrivs"), "0")
        let r = cli.run(["run", "--rm", "--network", "none", "--privileged", "busybox", "sh", "-c",
                         "grep ' /sys ' /proc/mounts; grep ' /proc/sys ' /proc/mounts; ls /dev"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("sysfs /sys sysfs rw,"), r.stdout)
        XCTAssertFalse(r.stdout.contains(" /proc/sys "), "/proc/sys is not remounted read-only: \(r.stdout)")
        // Every character device in the host's /dev, e.g. /dev/kmsg (absent from the default set).
        if FileManager.default.fileExists(atPath: "/dev/kmsg") { XCTAssertTrue(r.stdout.contains("kmsg"), r.stdout) }
        let plain = cli.run(["run", "--rm", "--network", "none", "busybox", "sh", "-c", "grep ' /sys ' /proc/mounts; ls /dev"])
        XCTAssertTrue(plain.stdout.contains("sysfs /sys sysfs ro,"), plain.stdout)
        XCTAssertFalse(plain.stdout.contains("kmsg"), plain.stdout)
    }

    func testSecurityOptions() {
        XCTAssertEqual(status(["--security-opt", "seccomp=unconfined"], "Seccomp"), "0")
        // A process exec'd into it is unconfined too, as docker's.
        XCTAssertEqual(cli.run(["run", "-d", "--name", "unconfined", "--network", "none", "--security-opt", "seccomp=unconfined",
                                "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["exec", "unconfined", "grep", "^Seccomp:", "/proc/self/status"]).stdout, "Seccomp:\t0\n")
        XCTAssertEqual(cli.run(["rm", "-f", "unconfined"]).status, 0)
        XCTAssertEqual(status(["--security-opt", "no-new-privileges"], "NoNewPrivs"), "1")
        XCTAssertEqual(status(["--security-opt", "no-new-privileges:false"], "NoNewPrivs"), "0")
        // Profiles from a file: SeccompTests.
        assertRefused(["run", "--rm", "--security-opt", "apparmor=x", "busybox", "true"],
                      "--security-opt apparmor: Berth supports neither AppArmor nor SELinux labels")
        assertRefused(["create", "--security-opt", "bogus", "busybox", "true"],
                      "invalid --security-opt 'bogus': expected no-new-privileges, seccomp=unconfined or seccomp=FILE")
    }

    func testUlimit() {
        let r = cli.run(["run", "--rm", "--network", "none", "--ulimit", "nofile=100:200", "--ulimit", "nproc=50",
                         "busybox", "sh", "-c", "ulimit -n; ulimit -Hn; ulimit -u"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "100\n200\n50\n")
        assertRefused(["run", "--rm", "--ulimit", "nofile=200:100", "busybox", "true"],
                      "invalid ulimit nofile: the soft limit must not exceed the hard limit")
        assertRefused(["run", "--rm", "--ulimit", "bogus=1", "busybox", "true"],
                      "invalid ulimit type 'bogus': expected one of core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack")
        assertRefused(["run", "--rm", "--ulimit", "nofile", "busybox", "true"],
                      "invalid ulimit 'nofile': expected NAME=SOFT[:HARD], e.g. nofile=1024:2048")
    }

    func testDevice() throws {
        let r = cli.run(["run", "--rm", "--network", "none", "--device", "/dev/zero:/dev/myzero:r", "--device", "/dev/full",
                         "busybox", "sh", "-c", "ls -l /dev/myzero /dev/full; head -c 3 /dev/myzero | od -An -tx1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix("cr--r--r--") && $0.contains("1,   5") && $0.hasSuffix("/dev/myzero") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("crw-rw-rw-") && $0.contains("1,   7") && $0.hasSuffix("/dev/full") }, r.stdout)
        XCTAssertTrue(r.stdout.hasSuffix(" 00 00 00\n"), r.stdout)
        assertRefused(["run", "--rm", "--device", "/etc/passwd", "busybox", "true"],
                      "--device '/etc/passwd' is not a character or block device")
        assertRefused(["run", "--rm", "--device", "/dev/zero:/dev/../etc/x", "busybox", "true"],
                      "invalid device path '/dev/../etc/x' in the container: expected an absolute path")
        assertRefused(["run", "--rm", "--device", "/dev/zero:/dev/z:rx", "busybox", "true"],
                      "invalid device permissions 'rx': expected a combination of r, w and m")
    }

    func testSysctlNamespacedOnly() {
        let r = cli.run(["run", "--rm", "--network", "none", "--sysctl", "kernel.shmmax=123456", "--sysctl", "net.ipv4.ip_forward=1",
                         "busybox", "cat", "/proc/sys/kernel/shmmax", "/proc/sys/net/ipv4/ip_forward"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "123456\n1\n")
        let hostForward = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_forward", encoding: .utf8)) ?? ""
        XCTAssertEqual(hostForward, "0\n", "the host's setting is its own")
        assertRefused(["run", "--rm", "--sysctl", "kernel.hostname=x", "busybox", "true"],
                      "sysctl kernel.hostname is not allowed in a container: only namespaced ones (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.*) are")
        assertRefused(["run", "--rm", "--network", "host", "--sysctl", "net.ipv4.ip_forward=1", "busybox", "true"],
                      "sysctl net.ipv4.ip_forward is not allowed with --network host: it would change the host's network settings")
        assertRefused(["run", "--rm", "--sysctl", "net..ipv4=1", "busybox", "true"],
                      "invalid sysctl 'net..ipv4': expected dot-separated names such as net.ipv4.ip_forward")
        assertRefused(["run", "--rm", "--sysctl", "net.ipv4/../../x=1", "busybox", "true"],
                      "invalid sysctl 'net.ipv4/../../x': expected dot-separated names such as net.ipv4.ip_forward")
        assertRefused(["run", "--rm", "--sysctl", "net.ipv4.ip_forward=1\n2", "busybox", "true"],
                      "invalid value for sysctl net.ipv4.ip_forward: it must be one line without control characters")
    }

    func testGroupAdd() {
        let r = cli.run(["run", "--rm", "--network", "none", "-u", "1000:1000", "--group-add", "1234", "--group-add", "root",
                         "busybox", "grep", "^Groups:", "/proc/self/status"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\t").last.map { $0.split(whereSeparator: \.isWhitespace).map(String.init).sorted() },
                       ["0", "1234"].sorted(), r.stdout)
        assertRefused(["run", "--rm", "--group-add", "nosuchgroup", "busybox", "true"],
                      "unable to find group 'nosuchgroup' for --group-add: no matching entries in the image's /etc/group")
    }

    /// Without --init the command is PID 1 and never reaps an orphan (a zombie stays); with it
    /// berth-init is PID 1, reaps it and passes signals on.
    func testInitReapsOrphansAndForwardsSignals() {
        for (flags, name) in [([String](), "noinit"), (["--init"], "withinit")] {
            XCTAssertEqual(cli.run(["run", "-d", "--name", name, "--network", "none"] + flags + ["busybox", "sleep", "600"]).status, 0)
            XCTAssertEqual(cli.run(["exec", name, "sh", "-c", "sleep 0.1 &"]).status, 0)
        }
        usleep(600_000)
        let plain = cli.run(["exec", "noinit", "ps", "-o", "pid,stat,comm"]).stdout
        XCTAssertTrue(plain.contains("    1 S    sleep"), plain)
        XCTAssertTrue(plain.split(separator: "\n").contains { $0.contains(" Z ") }, "an unreaped orphan: \(plain)")
        let reaped = cli.run(["exec", "withinit", "ps", "-o", "pid,stat,comm"]).stdout
        XCTAssertTrue(reaped.contains("    1 S    berth-init"), reaped)
        XCTAssertFalse(reaped.split(separator: "\n").contains { $0.contains(" Z ") }, reaped)
        let cmdline = cli.run(["exec", "withinit", "cat", "/proc/1/cmdline"]).stdout
        XCTAssertEqual(cmdline.split(separator: "\0").map(String.init), ["berth-init"], "no host path in PID 1's command line")
        // SIGTERM from stop reaches sleep through the init (sleep dies of it: 128+15), well before a 30 s timeout.
        XCTAssertEqual(cli.run(["stop", "-t", "30", "withinit"]).status, 0)
        XCTAssertEqual(try cli.state("withinit")["ExitCode"] as? Int, 143)
        XCTAssertEqual(cli.run(["rm", "-f", "noinit", "withinit"]).status, 0)
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
