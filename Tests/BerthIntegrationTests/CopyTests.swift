import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `berth cp` both ways with docker's rules (a directory into a directory, `/.` for contents, a
/// file onto a file), paths resolved inside the container's root, links copied as links.
final class CopyTests: ContainerTestCase {
    override class var rootLabel: String { "copy" }

    private func startBox(_ name: String, _ script: String = "true") {
        let r = cli.run(["run", "-d", "--name", name, "--network", "none", "busybox", "sh", "-c", script + "; exec sleep 300"])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    private func inBox(_ name: String, _ script: String) -> String {
        let r = cli.run(["exec", name, "sh", "-c", script])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout
    }

    private func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    private func assertRefused(_ args: [String], saying fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        let r = cli.run(args)
        XCTAssertEqual(r.status, 125, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("berth: ") && r.stderr.contains(fragment), "\(r.stderr) does not say \(fragment)", file: file, line: line)
    }

    func testCopyOutFollowsDockersRules() throws {
        let out = try scratchDirectory(self, "cpout")
        startBox("src", "mkdir -p /data/sub && echo a > /data/a && echo c > /data/sub/c && chmod 640 /data/a && ln -s /etc/hostname /data/link")
        XCTAssertEqual(cli.run(["cp", "src:/data/a", out + "/file"]).status, 0)
        XCTAssertEqual(read(out + "/file"), "a\n")
        var st = stat()
        XCTAssertEqual(stat(out + "/file", &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o640)
        XCTAssertEqual(cli.run(["cp", "src:/data/a", out]).status, 0, "a file onto a directory goes inside it")
        XCTAssertEqual(read(out + "/a"), "a\n")
        XCTAssertEqual(cli.run(["cp", "src:/data", out + "/new"]).status, 0, "a directory onto a missing path becomes it")
        XCTAssertEqual(read(out + "/new/sub/c"), "c\n")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/new/link"), "/etc/hostname")
        XCTAssertEqual(cli.run(["cp", "src:/data", out + "/new"]).status, 0, "onto an existing directory: inside it, by name")
        XCTAssertEqual(read(out + "/new/data/a"), "a\n")
        try FileManager.default.createDirectory(atPath: out + "/flat", withIntermediateDirectories: false)
        XCTAssertEqual(cli.run(["cp", "src:/data/.", out + "/flat"]).status, 0, "/. copies the contents")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out + "/flat").sorted(), ["a", "link", "sub"])
        assertRefused(["cp", "src:/data", out + "/file"], saying: "cannot copy a directory to the file")
        assertRefused(["cp", "src:/data/a", out + "/missing/"], saying: "does not exist")
        assertRefused(["cp", "src:/data/a", out + "/no/such/dir/f"], saying: "the parent directory")
        assertRefused(["cp", "src:/nothing", out], saying: "no such file or directory")
    }

    func testCopyInFollowsDockersRulesAndBelongsToRoot() throws {
        let dir = try scratchDirectory(self, "cpin")
        try FileManager.default.createDirectory(atPath: dir + "/tree/sub", withIntermediateDirectories: true)
        try "t\n".write(toFile: dir + "/tree/sub/t", atomically: false, encoding: .utf8)
        try "f\n".write(toFile: dir + "/f", atomically: false, encoding: .utf8)
        chmod(dir + "/f", 0o751)
        chown(dir + "/f", 1234, 1234)
        startBox("dst", "mkdir /in")
        XCTAssertEqual(cli.run(["cp", dir + "/f", "dst:/in"]).status, 0)
        XCTAssertEqual(inBox("dst", "stat -c '%a %u:%g' /in/f; cat /in/f"), "751 0:0\nf\n")
        XCTAssertEqual(cli.run(["cp", dir + "/tree", "dst:/in"]).status, 0)
        XCTAssertEqual(cli.run(["cp", dir + "/tree/.", "dst:/in"]).status, 0)
        XCTAssertEqual(cli.run(["cp", dir + "/tree", "dst:/fresh"]).status, 0)
        XCTAssertEqual(inBox("dst", "cat /in/tree/sub/t /in/sub/t /fresh/sub/t"), "t\nt\nt\n")
        assertRefused(["cp", dir + "/tree", "dst:/in/f"], saying: "cannot copy a directory to the file")
        assertRefused(["cp", "dst:/in", "dst:/x"], saying: "between containers")
        assertRefused(["cp", dir + "/f", dir + "/g"], saying: "must name a container")
        XCTAssertEqual(cli.run(["stop", "-t", "0", "dst"]).status, 0)
        XCTAssertEqual(cli.run(["cp", dir + "/f", "dst:/in/stopped"]).status, 0, "a stopped container too")
    }

    /// `..` and links resolve inside the container's root: a host file is neither read nor written.
    func testPathsStayInsideTheContainersRoot() throws {
        let dir = try scratchDirectory(self, "cproot")
        try "x\n".write(toFile: dir + "/marker", atomically: false, encoding: .utf8)
        startBox("box", "echo mine > /etc/berth-own; ln -s /etc /tmp/etc-link; ln -s ../../../../../../etc /tmp/up")
        // The host has /etc/shadow; busybox's image has not.
        XCTAssertTrue(FileManager.default.fileExists(atPath: "/etc/shadow"))
        assertRefused(["cp", "box:/../../../etc/shadow", dir + "/shadow"], saying: "no such file or directory")
        assertRefused(["cp", "box:/tmp/up/shadow", dir + "/shadow"], saying: "no such file or directory")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/shadow"))
        XCTAssertEqual(cli.run(["cp", "box:/tmp/up/berth-own", dir + "/own"]).status, 0)
        XCTAssertEqual(read(dir + "/own"), "mine\n")
        let name = "berth-cp-escape-\(getpid())"
        XCTAssertEqual(cli.run(["cp", dir + "/marker", "box:/tmp/etc-link/" + name]).status, 0)
        XCTAssertEqual(cli.run(["cp", dir + "/marker", "box:/tmp/up/" + name + "-2"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/etc/" + name))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/etc/" + name + "-2"))
        XCTAssertEqual(inBox("box", "ls /etc | grep berth-cp-escape"), "\(name)\n\(name)-2\n")
    }

    /// A created or exited container's root is its overlay mounted detached (nothing in any mount
    /// table, before, during or after); paths still resolve inside it.
    func testCopyToAndFromStoppedContainersMountsNothing() throws {
        let dir = try scratchDirectory(self, "cpstopped")
        try "in\n".write(toFile: dir + "/f", atomically: false, encoding: .utf8)
        let mounts = HostState.mountLines()
        XCTAssertEqual(cli.run(["create", "--name", "fresh", "--network", "none", "busybox", "cat", "/in", "/etc/f"]).status, 0)
        XCTAssertEqual(cli.run(["cp", dir + "/f", "fresh:/etc/"]).status, 0)
        XCTAssertEqual(cli.run(["cp", dir + "/f", "fresh:/in"]).status, 0, "a file onto a missing path")
        XCTAssertEqual(HostState.mountLines(), mounts, "nothing stays mounted")
        let run = cli.run(["start", "-a", "fresh"])
        XCTAssertEqual(run.stdout, "in\nin\n", run.stderr)
        // Exited: a link to /etc made in the container leads to the container's /etc, not the host's.
        XCTAssertEqual(cli.run(["run", "--name", "done", "--network", "none", "busybox", "sh", "-c",
                                "echo out > /made && ln -s /etc /esc && ln -s ../../../../.. /up"]).status, 0)
        XCTAssertEqual(cli.run(["cp", "done:/made", dir + "/made"]).status, 0)
        XCTAssertEqual(read(dir + "/made"), "out\n")
        let name = "berth-cp-probe-\(getpid())"
        XCTAssertEqual(cli.run(["cp", dir + "/f", "done:/esc/" + name]).status, 0)
        XCTAssertEqual(cli.run(["cp", dir + "/f", "done:/up/tmp/" + name]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/etc/" + name), "the host's /etc is untouched")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/" + name))
        let diff = cli.run(["diff", "done"]).stdout
        XCTAssertTrue(diff.contains("A /etc/\(name)\n") && diff.contains("A /tmp/\(name)\n"), diff)
        assertRefused(["cp", "done:/esc/../../no-such-file", dir], saying: "no such file or directory")
        XCTAssertEqual(HostState.mountLines(), mounts, "nothing stays mounted")
        let missing = cli.run(["cp", "no-such-box:/x", dir])
        XCTAssertEqual(missing.status, 1, "an unknown container is a runtime error, as docker's")
    }

    /// `diff`: A, C and D from the writable layer (whiteouts as D), without the mount points Berth made.
    func testDiffListsAddedChangedAndDeletedPaths() throws {
        XCTAssertEqual(cli.run(["run", "--name", "changes", "--network", "none", "busybox", "sh", "-c",
                                "rm /bin/ls && mkdir -p /etc/new && echo 1 > /etc/new/f && echo x > /root-file && rm -rf /tmp && mkdir /tmp"]).status, 0)
        let r = cli.run(["diff", "changes"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        for expected in ["C /bin", "D /bin/ls", "C /etc", "A /etc/new", "A /etc/new/f", "A /root-file", "C /tmp"] {
            XCTAssertTrue(lines.contains(expected), "\(expected) in \(lines)")
        }
        XCTAssertFalse(lines.contains { $0.hasSuffix("/etc/hosts") || $0.hasSuffix("/etc/hostname") || $0.hasSuffix("/etc/resolv.conf") },
                       "Berth's mount points are not the container's changes: \(lines)")
        let paths = lines.map { String($0.dropFirst(2)) }
        XCTAssertEqual(paths, paths.sorted(), "sorted by path")
        XCTAssertEqual(cli.run(["diff", "no-such-box"]).status, 1)
        assertRefused(["diff", "bad/name"], saying: "invalid container name")
    }

    /// `export`: the merged filesystem of a stopped container as a tar, to -o or stdout.
    func testExportWritesTheStoppedContainersFilesystem() throws {
        let dir = try scratchDirectory(self, "export")
        XCTAssertEqual(cli.run(["run", "--name", "exp", "--network", "none", "busybox", "sh", "-c", "echo e > /exported && rm /bin/ls"]).status, 0)
        let mounts = HostState.mountLines()
        XCTAssertEqual(cli.run(["export", "-o", dir + "/e.tar", "exp"]).status, 0)
        XCTAssertEqual(HostState.mountLines(), mounts)
        let list = Subprocess.run("/bin/tar", ["-tf", dir + "/e.tar"]).stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(list.contains("exported") && list.contains("bin/busybox"), "\(list.prefix(10))")
        XCTAssertFalse(list.contains("bin/ls"), "a deleted file is not exported")
        XCTAssertEqual(Subprocess.run("/bin/tar", ["-xOf", dir + "/e.tar", "exported"]).stdout, "e\n")
        let b = "\(BerthCLI.binary) --root \(cli.root) --cgroup-parent \(cli.cgroupParent)"
        let piped = Subprocess.run("/bin/sh", ["-c", "\(b) export exp | tar -tf - | grep -c ."])
        XCTAssertEqual(piped.stdout, "\(list.count)\n", piped.stderr)
        XCTAssertEqual(cli.run(["export", "-o", dir + "/none.tar", "no-such-box"]).status, 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["e.tar"], "no half-written file")
    }

    /// `export` of a running container: its filesystem as it runs (what it wrote, what it
    /// deleted), stopping at every mount point: /proc, /sys, /dev, a bind of a host directory, a
    /// volume and Berth's /etc files are there as empty mount points only; symlinks stay links.
    func testExportReadsARunningContainerWithoutItsMounts() throws {
        let dir = try scratchDirectory(self, "export-live")
        let host = dir + "/host"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        try "canary".write(toFile: host + "/host-canary", atomically: false, encoding: .utf8)
        let r = cli.run(["run", "-d", "--name", "live", "--network", "bridge", "-v", host + ":/bound", "-v", "livevol:/vol",
                         "--tmpfs", "/scratch", "busybox", "sh", "-c",
                         "echo w > /written; rm /bin/ls; echo v > /vol/in-volume; echo t > /scratch/in-tmpfs; "
                         + "ln -s / /escape; ln -s /proc/1/root /escape2; f=$(printf '/odd\\033[2Jname'); echo x > \"$f\"; exec sleep 300"])
        XCTAssertEqual(r.status, 0, r.stderr)
        addTeardownBlock { [cli] in cli.run(["rm", "-f", "live"]); cli.run(["volume", "rm", "livevol"]) }
        XCTAssertTrue(cli.eventually { self.inBox("live", "cat /scratch/in-tmpfs 2>/dev/null") == "t\n" })
        let mounts = HostState.mountLines()
        let out = cli.run(["export", "-o", dir + "/live.tar", "live"])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(HostState.mountLines(), mounts, "nothing mounted on the host")
        let list = Subprocess.run("/bin/tar", ["-tf", dir + "/live.tar"]).stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(list.contains("written") && list.contains("bin/busybox"), "\(list.prefix(20))")
        XCTAssertEqual(Subprocess.run("/bin/tar", ["-xOf", dir + "/live.tar", "written"]).stdout, "w\n")
        XCTAssertFalse(list.contains("bin/ls"), "a file deleted while it runs is not exported")
        // GNU tar lists the escape character as \033.
        XCTAssertTrue(list.contains("odd\u{1b}[2Jname") || list.contains("odd\\033[2Jname"), "a hostile name is a name: \(list.filter { $0.hasPrefix("odd") })")
        for point in ["proc/", "sys/", "dev/", "bound/", "vol/", "scratch/"] {
            XCTAssertTrue(list.contains(point), "the mount point \(point) is there")
            XCTAssertEqual(list.filter { $0.hasPrefix(point) }, [point], "nothing below the mount point \(point)")
        }
        XCTAssertFalse(list.contains { $0.contains("host-canary") || $0.contains("in-volume") || $0.contains("in-tmpfs") })
        let verbose = Subprocess.run("/bin/tar", ["-tvf", dir + "/live.tar"]).stdout
        XCTAssertTrue(verbose.contains("escape -> /\n") && verbose.contains("escape2 -> /proc/1/root\n"), "links are links, not followed")
        let hosts = try XCTUnwrap(verbose.split(separator: "\n").first { $0.hasSuffix(" etc/hosts") })
        XCTAssertTrue(hosts.hasPrefix("-"), "Berth's /etc/hosts bind is an empty file: \(hosts)")
        XCTAssertEqual(Subprocess.run("/bin/tar", ["-xOf", dir + "/live.tar", "etc/hosts"]).stdout, "")
        XCTAssertEqual(cli.run(["ps", "-q", "--filter", "name=live"]).stdout.isEmpty, false, "it still runs")
    }

    /// A file the container appends to while the export reads it: the export holds the size its
    /// header declared (GNU tar's rule), instead of failing on the extra bytes.
    func testExportOfAFileGrowingMeanwhileSucceeds() throws {
        let dir = try scratchDirectory(self, "export-grow")
        let r = cli.run(["run", "-d", "--name", "grower", "--network", "none", "busybox", "sh", "-c",
                         "head -c 8000000 /dev/zero > /big; touch /ready; while true; do echo more >> /big; done"])
        XCTAssertEqual(r.status, 0, r.stderr)
        addTeardownBlock { [cli] in cli.run(["rm", "-f", "grower"]) }
        XCTAssertTrue(cli.eventually { self.inBox("grower", "[ -e /ready ] && echo ready; true") == "ready\n" })
        for i in 0..<3 {
            let out = cli.run(["export", "-o", dir + "/grow\(i).tar", "grower"])
            XCTAssertEqual(out.status, 0, out.stderr)
            let listed = Subprocess.run("/bin/tar", ["-tvf", dir + "/grow\(i).tar"])
            XCTAssertEqual(listed.status, 0, listed.stderr)
            XCTAssertTrue(listed.stdout.contains(" big\n"), "big is in the archive")
        }
    }
}
