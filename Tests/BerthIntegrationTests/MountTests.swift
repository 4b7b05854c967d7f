import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `-v`, `--mount`, `--tmpfs`, `--read-only` and `--shm-size` against real containers, and the
/// hostile cases: a bind source that is (or passes through) a symlink, targets that climb out with
/// `../`, an image whose symlinks lead a mount target into /proc or out of its root. Every refusal
/// is one `berth:` line with exit 125, and the host is unchanged.
final class MountTests: ContainerTestCase {
    override class var rootLabel: String { "mounts" }

    /// `status`: 125, or 1 for `start`, which (as docker's) reports each container and exits 1.
    private func assertRefused(_ args: [String], saying fragment: String, status: Int32 = 125,
                               file: StaticString = #filePath, line: UInt = #line) {
        let r = cli.run(args)
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "not one line: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("berth: ") && r.stderr.contains(fragment), "\(r.stderr) does not say \(fragment)", file: file, line: line)
    }

    private func sh(_ flags: [String], _ script: String, image: String = "busybox") -> BerthCLI.Result {
        cli.run(["run", "--rm", "--network", "none"] + flags + [image, "sh", "-c", script])
    }

    func testBindMountSharesTheHostDirectoryBothWays() throws {
        let dir = try scratchDirectory(self, "bind")
        try "from host\n".write(toFile: dir + "/in", atomically: false, encoding: .utf8)
        let r = sh(["-v", dir + ":/data"], "cat /data/in; echo from container > /data/out")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "from host\n")
        XCTAssertEqual(try String(contentsOfFile: dir + "/out", encoding: .utf8), "from container\n")
        // --mount says the same; a file can be bound too.
        let f = sh(["--mount", "type=bind,src=\(dir)/in,dst=/etc/motd"], "cat /etc/motd")
        XCTAssertEqual(f.stdout, "from host\n", f.stderr)
    }

    func testReadOnlyBindsRefuseWrites() throws {
        let dir = try scratchDirectory(self, "robind")
        for flags in [["-v", dir + ":/data:ro"], ["--mount", "type=bind,source=\(dir),target=/data,readonly"]] {
            let r = sh(flags, "echo x > /data/f")
            XCTAssertNotEqual(r.status, 0, "\(flags) allowed a write")
            XCTAssertTrue(r.stderr.contains("Read-only file system"), r.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testVolumeFlagCreatesAMissingSourceAndMountRefusesIt() throws {
        let dir = try scratchDirectory(self, "mkdir")
        let r = sh(["-v", dir + "/new/sub:/n"], "echo ok > /n/f")
        XCTAssertEqual(r.status, 0, r.stderr)
        var st = stat()
        XCTAssertEqual(stat(dir + "/new/sub", &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o755)
        XCTAssertEqual(st.st_uid, 0)
        assertRefused(["run", "--rm", "--mount", "type=bind,src=\(dir)/missing,dst=/m", "busybox", "true"],
                      saying: "bind source path does not exist")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/missing"))
    }

    func testSELinuxLabelsAreNoOpsAndPropagationModesApply() throws {
        let dir = try scratchDirectory(self, "opts")
        let r = sh(["-v", dir + ":/z:z", "-v", dir + ":/Z:Z,ro", "-v", dir + ":/s:rslave"], "grep -E ' /(z|Z|s) ' /proc/self/mountinfo")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 3, r.stdout)
        assertRefused(["run", "--rm", "-v", dir + ":/s:rshared", "busybox", "true"], saying: "not supported")
        assertRefused(["run", "--rm", "--mount", "type=bind,src=\(dir),dst=/s,bind-propagation=shared", "busybox", "true"],
                      saying: "not supported")
    }

    func testTmpfsMountsWithDockersDefaultsAndOptions() throws {
        let r = sh(["--tmpfs", "/run:size=1m,mode=1770", "--mount", "type=tmpfs,dst=/scratch,tmpfs-size=2m"],
                   "grep -E ' /(run|scratch) ' /proc/mounts; echo a > /run/a && cat /run/a")
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let run = try XCTUnwrap(lines.first { $0.contains(" /run ") }, r.stdout)
        for o in ["nosuid", "nodev", "noexec", "size=1024k", "mode=1770"] { XCTAssertTrue(run.contains(o), run) }
        XCTAssertTrue(try XCTUnwrap(lines.first { $0.contains(" /scratch ") }).contains("size=2048k"), r.stdout)
        XCTAssertEqual(lines.last, "a")
        assertRefused(["run", "--rm", "--tmpfs", "/run:lowerdir=/etc", "busybox", "true"], saying: "unknown option")
    }

    func testReadOnlyRootKeepsWhatDockerKeepsWritable() throws {
        let dir = try scratchDirectory(self, "roroot")
        let r = sh(["--read-only", "-v", dir + ":/data", "--tmpfs", "/tmp", "-w", "/made/by/berth"], """
            touch /root-file 2>/dev/null && echo root-writable
            for p in /dev/x /dev/shm/x /tmp/x /data/x /etc/hosts /etc/hostname /etc/resolv.conf; do
              touch $p 2>/dev/null || echo "$p not writable"
            done
            grep ' / ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1; pwd
            """)
        XCTAssertEqual(r.status, 0, r.stderr)
        // docker leaves /dev, /dev/shm, the /etc files and the mounts writable; /run and /tmp only with --tmpfs.
        XCTAssertEqual(r.stdout, "ro\n/made/by/berth\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/x"))
    }

    func testShmSize() throws {
        let r = sh(["--shm-size", "2m"], "grep ' /dev/shm ' /proc/mounts")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("size=2048k"), r.stdout)
        assertRefused(["run", "--rm", "--shm-size", "0", "busybox", "true"], saying: "greater than 0")
        assertRefused(["run", "--rm", "--shm-size", "lots", "busybox", "true"], saying: "invalid memory value")
    }

    func testDuplicateTargetsAreRefused() throws {
        let dir = try scratchDirectory(self, "dup")
        assertRefused(["run", "--rm", "-v", dir + ":/a", "--tmpfs", "/a/", "busybox", "true"], saying: "duplicate mount point: '/a'")
    }

    // MARK: hostile

    /// A link the user names, or one on the way to it, is refused with the real path to name; the
    /// host directory it points to is never mounted.
    func testBindOfASymlinkPointingOutOfTheNamedPathIsRefused() throws {
        let dir = try scratchDirectory(self, "symsrc")
        let secret = dir + "/secret"
        try FileManager.default.createDirectory(atPath: secret, withIntermediateDirectories: true)
        try "s\n".write(toFile: secret + "/key", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: secret)
        try FileManager.default.createSymbolicLink(atPath: dir + "/etc-link", withDestinationPath: "/etc")
        assertRefused(["run", "--rm", "-v", dir + "/link:/data", "busybox", "cat", "/data/key"], saying: "passes through the symlink")
        assertRefused(["run", "--rm", "-v", dir + "/etc-link/newdir:/data", "busybox", "true"], saying: "name the real path '/etc/newdir'")
        assertRefused(["run", "--rm", "--mount", "type=bind,src=\(dir)/link/key,dst=/k", "busybox", "true"], saying: "passes through the symlink")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/etc/newdir"), "-v created a directory through a symlink")
    }

    /// A source checked at create and replaced by a link before start is refused by the shim.
    func testASymlinkSwappedInAfterCreateIsRefusedAtStart() throws {
        let dir = try scratchDirectory(self, "swap")
        let canary = dir + "/canary"
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: canary, withIntermediateDirectories: true)
        let c = cli.run(["create", "--name", "swapped", "--network", "none", "-v", dir + "/data:/data", "busybox", "sh", "-c", "touch /data/written"])
        XCTAssertEqual(c.status, 0, c.stderr)
        try FileManager.default.removeItem(atPath: dir + "/data")
        try FileManager.default.createSymbolicLink(atPath: dir + "/data", withDestinationPath: canary)
        assertRefused(["start", "swapped"], saying: "bind source passes through a symlink", status: 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: canary), [])
    }

    func testTargetsClimbingOutWithDotDotAreRefused() throws {
        let dir = try scratchDirectory(self, "dotdot")
        assertRefused(["run", "--rm", "-v", dir + ":../../proc", "busybox", "true"], saying: "must be an absolute path")
        assertRefused(["run", "--rm", "-v", dir + ":/x/../../proc", "busybox", "true"], saying: "/proc is the container's kernel filesystem")
        assertRefused(["run", "--rm", "--tmpfs", "/../sys/kernel", "busybox", "true"], saying: "/sys is the container's kernel filesystem")
        assertRefused(["run", "--rm", "--mount", "type=bind,src=\(dir),dst=/a/../..", "busybox", "true"], saying: "container's root")
    }

    /// Image symlinks: one leading a target into the container's /proc is refused by the shim; one
    /// climbing towards the host's /etc is clamped at the container's root.
    func testImageSymlinksCannotLeadAMountIntoProcOrOutOfTheRoot() throws {
        try Prerequisite.require(FileManager.default.isExecutableFile(atPath: "/bin/busybox"), "needs busybox-static (/bin/busybox)")
        let dir = try scratchDirectory(self, "linkimg")
        let rootfs = dir + "/rootfs"
        let fm = FileManager.default
        try fm.createDirectory(atPath: rootfs + "/bin", withIntermediateDirectories: true)
        try fm.copyItem(atPath: "/bin/busybox", toPath: rootfs + "/bin/busybox")
        for tool in ["sh", "ls", "cat", "true"] { try fm.createSymbolicLink(atPath: rootfs + "/bin/" + tool, withDestinationPath: "busybox") }
        try fm.createSymbolicLink(atPath: rootfs + "/data", withDestinationPath: "/proc/sys")
        try fm.createSymbolicLink(atPath: rootfs + "/up", withDestinationPath: String(repeating: "../", count: 8) + "etc")
        let marker = "berth-mount-escape-\(getpid())"
        try fm.createDirectory(atPath: dir + "/src", withIntermediateDirectories: true)
        let imported = cli.run(["image", "import", rootfs, "--name", "mount-links"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        defer { cli.run(["image", "rm", "-f", "mount-links"]) }

        assertRefused(["run", "--rm", "--network", "none", "-v", dir + "/src:/data", "mount-links", "true"],
                      saying: "lies in the container's /proc or /sys")
        assertRefused(["run", "--rm", "--network", "none", "--tmpfs", "/data/kernel", "mount-links", "true"],
                      saying: "lies in the container's /proc or /sys")
        let r = cli.run(["run", "--rm", "--network", "none", "-v", dir + "/src:/up/" + marker, "mount-links", "ls", "/etc"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains(marker), "the mount point is not in the container's own /etc: \(r.stdout)")
        XCTAssertFalse(fm.fileExists(atPath: "/etc/" + marker), "a mount point was created in the host's /etc")
    }
}
