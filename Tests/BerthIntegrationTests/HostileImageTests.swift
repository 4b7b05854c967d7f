import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Images built to reach the host through their own symlinks, and an `exec` given a host
/// directory by descriptor. Each must stay inside the container: the host canary directory is
/// unchanged afterwards, and no host file answers a lookup (security issue, items 1, 2 and 4).
final class HostileImageTests: ContainerTestCase {
    override class var rootLabel: String { "hostile" }

    private var canary = ""
    private var rootfsDirs: [String] = []

    override func setUpWithError() throws {
        try super.setUpWithError()
        canary = "/var/tmp/berth-canary-\(getpid())-\(UUID().uuidString.prefix(8))"
        XCTAssertEqual(mkdir(canary, 0o755), 0)
        // A host user the image must never see: if a lookup escaped, uid 4242 would come back.
        try "intruder:x:4242:4242::/:/bin/sh\n".write(toFile: canary + "/passwd", atomically: false, encoding: .utf8)
        try "intruder:x:4242:\n".write(toFile: canary + "/group", atomically: false, encoding: .utf8)
    }

    override func tearDown() {
        for name in (cli.run(["ps", "-a", "-q"]).stdout.split(separator: "\n")) { cli.run(["rm", "-f", String(name)]) }
        for image in ["hostile-etc-abs", "hostile-etc-rel", "hostile-hostname", "hostile-dev", "hostile-proc"] {
            cli.run(["image", "rm", "-f", image])
        }
        for dir in rootfsDirs { try? FileManager.default.removeItem(atPath: dir) }
        try? FileManager.default.removeItem(atPath: canary)
        super.tearDown()
    }

    /// The canary holds exactly what the test put there.
    private func assertCanaryUntouched(file: StaticString = #filePath, line: UInt = #line) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: canary)) ?? ["<unreadable>"]
        XCTAssertEqual(names.sorted(), ["group", "passwd"], "a file appeared in the host's canary directory", file: file, line: line)
    }

    /// A busybox rootfs whose `edit` then adds the hostile links, imported as `name`.
    private func importImage(_ name: String, edit: (String) throws -> Void) throws {
        let dir = "/var/tmp/berth-hostile-rootfs-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        rootfsDirs.append(dir)
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
        try fm.copyItem(atPath: "/bin/busybox", toPath: dir + "/bin/busybox")
        for tool in ["sh", "cat", "ls", "id", "pwd", "true", "echo", "hostname", "stat", "sleep"] {
            try fm.createSymbolicLink(atPath: dir + "/bin/" + tool, withDestinationPath: "busybox")
        }
        try edit(dir)
        let r = cli.run(["image", "import", dir, "--name", name])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func testEtcAsAnAbsoluteSymlinkStaysInTheRootfs() throws {
        try Prerequisite.require(FileManager.default.isExecutableFile(atPath: "/bin/busybox"), "needs busybox-static (/bin/busybox)")
        try importImage("hostile-etc-abs") { dir in
            try FileManager.default.createSymbolicLink(atPath: dir + "/etc", withDestinationPath: canary)
        }
        let r = cli.run(["run", "--rm", "--network", "none", "--hostname", "boxed", "hostile-etc-abs", "cat", "/etc/hostname"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "boxed")
        assertCanaryUntouched()
    }

    func testEtcAsARelativeSymlinkStaysInTheRootfs() throws {
        try Prerequisite.require(FileManager.default.isExecutableFile(atPath: "/bin/busybox"), "needs busybox-static (/bin/busybox)")
        try importImage("hostile-etc-rel") { dir in
            try FileManager.default.createSymbolicLink(atPath: dir + "/etc",
                                                       withDestinationPath: String(repeating: "../", count: 16) + canary.dropFirst())
        }
        let r = cli.run(["run", "--rm", "hostile-etc-rel", "cat", "/etc/hosts"])
        XCTAssertEqual(r.status, 0, r.stderr)
        assertCanaryUntouched()
    }

    func testHostnameFileLinkedToAHostPathIsNotCreatedThere() throws {
        try Prerequisite.require(FileManager.default.isExecutableFile(atPath: "/bin/busybox"), "needs busybox-static (/bin/busybox)")
        try importImage("hostile-hostname") { dir in
            try FileManager.default.createDirectory(atPath: dir + "/etc", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: dir + "/etc/hostname", withDestinationPath: canary + "/created-by-image")
            try FileManager.default.createSymbolicLink(atPath: dir + "/etc/resolv.conf", withDestinationPath: canary + "/resolv")
        }
        let r = cli.run(["run", "--rm", "--network", "none", "hostile-hostname", "true"])
        XCTAssertEqual(r.status, 0, r.stderr)
        assertCanaryUntouched()
    }

    func testDevLinkedToAHostDirectoryGetsNoDeviceNodesThere() throws {
        try Prerequisite.require(FileManager.default.isExecutableFile(atPath: "/bin/busybox"), "needs busybox-static (/bin/busybox)")
        try importImage("hostile-dev") { dir in
            try FileManager.default.createSymbolicLink(atPath: dir + "/dev", withDestinationPath: canary)
        }
        let r = cli.run(["run", "--rm", "--network", "none", "hostile-dev", "sh", "-c", "echo ok > /dev/null && cat /dev/null"])
        XCTAssertEqual(r.status, 0, r.stderr)
        assertCanaryUntouched()
    }

    /// `--user NAME` is looked up in the image's own /etc/passwd, which here does not exist: the
    /// host's (the canary's) `intruder` must not answer, at create time nor for exec.
    func testUserLookupNeverReadsTheHostsPasswd() throws {
        try Prerequisite.require(FileManager.default.isExecutableFile(atPath: "/bin/busybox"), "needs busybox-static (/bin/busybox)")
        try importImage("hostile-etc-abs") { dir in
            try FileManager.default.createSymbolicLink(atPath: dir + "/etc", withDestinationPath: canary)
        }
        let run = cli.run(["run", "--rm", "--network", "none", "--user", "intruder", "hostile-etc-abs", "id", "-u"])
        XCTAssertEqual(run.status, 125, "the host's passwd answered: \(run.stdout)")
        XCTAssertTrue(run.stderr.contains("unable to find user"), run.stderr)

        let started = cli.run(["run", "-d", "--name", "hostile-exec", "--network", "none", "hostile-etc-abs", "sleep", "60"])
        XCTAssertEqual(started.status, 0, started.stderr)
        let exec = cli.run(["exec", "--user", "intruder", "hostile-exec", "id", "-u"])
        XCTAssertNotEqual(exec.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "4242")
        XCTAssertEqual(exec.status, 125, exec.stderr)
        assertCanaryUntouched()
    }

    /// A descriptor the caller holds on a host directory must not reach the container: not as a
    /// working directory (`-w /proc/self/fd/9`), nor as an open descriptor of the process.
    func testExecGetsNoDescriptorOfTheCaller() throws {
        try Prerequisite.require(FileManager.default.isExecutableFile(atPath: "/bin/busybox"), "needs busybox-static (/bin/busybox)")
        let started = cli.run(["run", "-d", "--name", "fd-probe", "--network", "none", "busybox", "sleep", "60"])
        XCTAssertEqual(started.status, 0, started.stderr)
        let berth = [BerthCLI.binary, "--root", cli.root, "--cgroup-parent", cli.cgroupParent].map { "'\($0)'" }.joined(separator: " ")
        let viaWorkdir = Subprocess.run("/bin/bash", ["-c", "exec 9<'\(canary)'; \(berth) exec -w /proc/self/fd/9 fd-probe ls"])
        XCTAssertFalse(viaWorkdir.stdout.contains("passwd"), "exec -w reached the host directory: \(viaWorkdir.stdout)")
        XCTAssertNotEqual(viaWorkdir.status, 0)
        let viaFD = Subprocess.run("/bin/bash", ["-c", "exec 9<'\(canary)'; \(berth) exec fd-probe ls /proc/self/fd/9/"])
        XCTAssertFalse(viaFD.stdout.contains("passwd"), "fd 9 reached the container: \(viaFD.stdout)")
        XCTAssertNotEqual(viaFD.status, 0)
        assertCanaryUntouched()
    }
}
