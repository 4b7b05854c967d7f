import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A `berth` killed at any step, a killed supervisor, a corrupt record or a full filesystem must
/// never leave half a container: the next command finishes or removes it (issue 9, items 7–12;
/// issue 19, item 8). Crashes are placed with `BERTH_TEST_CRASH_AT=<step>` (see `CrashPoint`),
/// which makes the binary SIGKILL itself at that step.
final class CrashConsistencyTests: ContainerTestCase {
    override class var rootLabel: String { "crash" }

    var root: String { cli.root }

    /// Runs `berth` with `BERTH_TEST_CRASH_AT=step`.
    func runCrashing(at step: String, _ args: [String]) -> BerthCLI.Result {
        Subprocess.run("/usr/bin/env", ["BERTH_TEST_CRASH_AT=" + step, BerthCLI.binary, "--root", root,
                                        "--cgroup-parent", cli.cgroupParent] + args)
    }

    /// Everything in `containers/` but lock files.
    func containerEntries(_ root: String? = nil) -> [String] {
        let dir = (root ?? self.root) + "/containers"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasSuffix(".lock") }.sorted()
    }

    func nameLinks() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/names")) ?? []).sorted()
    }

    /// Container ids holding an address lease.
    func leaseHolders(_ root: String? = nil) -> [String] {
        let text = (try? String(contentsOfFile: (root ?? self.root) + "/networks/bridge.leases", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }.sorted()
    }

    /// Full ids of the containers `ps -a` lists.
    func listedIDs() throws -> [String] {
        let list = try cli.json(["ps", "-a", "--json"]) as? [[String: Any]] ?? []
        return list.compactMap { $0["id"] as? String }.sorted()
    }

    /// The container's cgroup directories (`<parent>/<id>` in every hierarchy).
    func cgroupDirectories(of id: String) -> [String] {
        Self.root.scope.cgroupDirectories.filter { FileManager.default.fileExists(atPath: $0) }.flatMap { parent in
            FileManager.default.fileExists(atPath: parent + "/" + id) ? [parent + "/" + id] : []
        }
    }

    /// Whether `pid` is a live (not zombie) process that started at `start`.
    static func running(_ pid: Int32, start: String) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 (start time) is fields[19].
        return fields.count > 19 && fields[0] != "Z" && String(fields[19]) == start
    }

    static func startTime(_ pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : nil
    }

    /// Removes every container of the class root; each test ends with it, also when it failed.
    func removeAll() {
        let ids = (try? listedIDs()) ?? []
        if !ids.isEmpty { cli.run(["rm", "-f"] + ids) }
    }

    /// Nothing of the test's containers is left: no directory, name, lease, and no cgroup at all
    /// below the test's cgroup parent (item 12: Berth removes the parent it made once unused).
    func assertClean(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(containerEntries(), [], "container directories left", file: file, line: line)
        XCTAssertEqual(nameLinks(), [], "name links left", file: file, line: line)
        XCTAssertEqual(leaseHolders(), [], "address leases left", file: file, line: line)
        XCTAssertEqual(Self.root.scope.cgroupDirectories.filter { FileManager.default.fileExists(atPath: $0) }, [], "cgroups left", file: file, line: line)
    }

    // MARK: - Item 7: a killed `run -d`

    func testRunKilledAtEachCreationStepLeavesNothingAfterTheNextCommand() throws {
        defer { removeAll() }
        for step in ["create-claimed-name", "create-made-directory", "create-allocated-address", "create-wrote-files"] {
            let name = "crash-" + step
            let r = runCrashing(at: step, ["run", "-d", "--name", name, "busybox", "sleep", "1000"])
            XCTAssertEqual(r.status, 137, "\(step): run was not killed at the step: \(r.stderr)")
            // The crash left something to clean: the name link, and from the directory on a staging directory.
            XCTAssertTrue(nameLinks().contains(name), "\(step): no name link to clean up")
            if step != "create-claimed-name" {
                XCTAssertTrue(containerEntries().contains { $0.hasPrefix(".creating-") }, "\(step): no staging directory")
            }
            let ps = cli.run(["ps", "-a"])
            XCTAssertEqual(ps.status, 0, ps.stderr)
            XCTAssertFalse(ps.stdout.contains(name), "\(step): half a container is listed")
            XCTAssertEqual(containerEntries(), [], "\(step): directories left after ps")
            XCTAssertEqual(nameLinks(), [], "\(step): name link left after ps")
            XCTAssertEqual(leaseHolders(), [], "\(step): lease left after ps")
            // The name and the address are free again.
            let again = cli.run(["run", "-d", "--name", name, "busybox", "sleep", "1000"])
            XCTAssertEqual(again.status, 0, "\(step): \(again.stderr)")
            XCTAssertEqual(cli.run(["rm", "-f", name]).status, 0)
        }
        assertClean()
    }

    /// Without the hook: SIGKILL at increasing delays, wherever that lands. After the next command
    /// every directory is a whole container and every name and lease belongs to one.
    func testRunKilledAtAnyMomentLeavesOnlyWholeContainers() throws {
        defer { removeAll() }
        for delay in stride(from: 0, through: 300_000, by: 20_000) {
            var pid: pid_t = 0
            let argv = [BerthCLI.binary, "--root", root, "--cgroup-parent", cli.cgroupParent,
                        "run", "-d", "busybox", "sleep", "1000"]
            var fa = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&fa)
            for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
            var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
            let rc = posix_spawn(&pid, argv[0], &fa, nil, &cargs, environ)
            posix_spawn_file_actions_destroy(&fa)
            for p in cargs { free(p) }
            XCTAssertEqual(rc, 0)
            guard rc == 0 else { continue }
            // Not synchronisation: the varying moment of the kill is what the test explores.
            usleep(UInt32(delay))
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}

            let ids = try listedIDs()
            XCTAssertEqual(containerEntries(), ids, "after a kill at \(delay) µs: a directory that is not a listed container")
            for id in ids {
                XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/containers/\(id)/container.json"), "\(id) has no record")
            }
            XCTAssertTrue(Set(leaseHolders()).isSubset(of: ids), "after a kill at \(delay) µs: a lease of no container")
            let linked = nameLinks().compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/names/" + $0) }
            XCTAssertTrue(Set(linked).isSubset(of: ids), "after a kill at \(delay) µs: a name of no container")
            if !ids.isEmpty { XCTAssertEqual(cli.run(["rm", "-f"] + ids).status, 0) }
        }
        assertClean()
    }

    // MARK: - A removal and a start at the same moment

    /// `rm` holds the container's lock from its last check to the end of the removal; a `start`
    /// that comes in between waits for it and then finds the container gone, instead of launching
    /// a supervisor into a directory being deleted. The removal is paused at that moment
    /// (`BERTH_TEST_PAUSE_AT=rm-locked`), the start is let in, and only then the removal goes on.
    func testAStartDuringARemovalWaitsAndFindsTheContainerGone() throws {
        defer { removeAll() }
        let created = cli.run(["create", "--name", "racer", "--network", "none", "busybox", "sleep", "1000"])
        XCTAssertEqual(created.status, 0, created.stderr)
        let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let global = ["--root", root, "--cgroup-parent", cli.cgroupParent]
        let rm = try TestChild.spawn(["/usr/bin/env", "BERTH_TEST_PAUSE_AT=rm-locked", BerthCLI.binary] + global + ["rm", "racer"])
        var rmReaped = false, startReaped = false
        var start: TestChild?
        defer {
            if !rmReaped { kill(rm.pid, SIGCONT); rm.kill() }
            if let start, !startReaped { start.kill() }
        }
        XCTAssertTrue(cli.eventually(timeout: 30) { Self.processState(rm.pid) == "T" }, "rm did not pause holding the lock")

        start = try TestChild.spawn([BerthCLI.binary] + global + ["start", "racer"])
        let lock = root + "/containers/\(id)/lock"
        XCTAssertTrue(cli.eventually(timeout: 30) { Self.openFiles(start!.pid).contains(lock) },
                      "start did not wait for the container's lock (it holds: \(Self.openFiles(start!.pid)))")
        XCTAssertNotEqual(Self.processState(start!.pid), "Z", "start finished while the removal held the lock")

        kill(rm.pid, SIGCONT)
        XCTAssertEqual(Self.exitStatus(rm.pid), 0, "rm")
        rmReaped = true
        XCTAssertNotEqual(Self.exitStatus(start!.pid), 0, "start of a container removed meanwhile")
        startReaped = true

        XCTAssertEqual(try listedIDs(), [])
        XCTAssertEqual(containerEntries(), [])
        XCTAssertEqual(HostLeaks.processes(mentioning: id), [], "a supervisor of the removed container runs")
        XCTAssertEqual(cgroupDirectories(of: id), [])
        let again = cli.run(["start", "racer"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("no such container"), again.stderr)
    }

    /// Field 3 of /proc/PID/stat (R, S, T, Z, …), "" when the process is gone.
    static func processState(_ pid: pid_t) -> String {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return "" }
        return String(stat[stat.index(after: close)...].split(separator: " ").first ?? "")
    }

    /// What the process's descriptors point at.
    static func openFiles(_ pid: pid_t) -> [String] {
        let dir = "/proc/\(pid)/fd"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).compactMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/" + $0)
        }
    }

    /// Waits for the child and returns its exit status (128 + signal when killed).
    static func exitStatus(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    // MARK: - Item 8: a killed `rm -f`

    func testRemovalKilledMidDeleteIsFinishedByTheNextCommand() throws {
        defer { removeAll() }
        let run = cli.run(["run", "-d", "--name", "rmcrash", "busybox", "sleep", "1000"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(cgroupDirectories(of: id).isEmpty, "the container has no cgroup to check")
        let rm = runCrashing(at: "rm-renamed", ["rm", "-f", id])
        XCTAssertEqual(rm.status, 137, "rm was not killed mid-delete: \(rm.stderr)")
        XCTAssertEqual(containerEntries(), [".removing-" + id], "the killed rm left no half-removed directory")
        XCTAssertEqual(cli.run(["ps", "-a"]).status, 0)
        XCTAssertEqual(containerEntries(), [], "the next command did not finish the removal")
        XCTAssertEqual(cgroupDirectories(of: id), [])
        assertClean()
    }

    // MARK: - Item 9: a full filesystem

    func testForcedRemovalWorksOnAFullFilesystem() throws {
        // A small tmpfs as state root, mounted in a mount namespace of its own (a helper process
        // holds it), so the host's mount table never changes, also if the test dies.
        let dir = "/var/tmp/berth-full-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { rmdir(dir) }
        var helper: pid_t = 0
        let script = "mount -t tmpfs -o size=8m,mode=0711 berth-full \(dir) && touch \(dir)/.mounted && exec sleep 100000"
        let argv = ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script]
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        XCTAssertEqual(posix_spawn(&helper, argv[0], nil, nil, &cargs, environ), 0)
        for p in cargs { free(p) }
        defer {
            kill(helper, SIGKILL)
            var status: Int32 = 0
            while waitpid(helper, &status, 0) < 0 && errno == EINTR {}
        }
        let view = "/proc/\(helper)/root" + dir // the tmpfs, seen from outside its namespace
        XCTAssertTrue(cli.eventually(timeout: 30) { FileManager.default.fileExists(atPath: view + "/.mounted") }, "tmpfs not mounted")
        func berth(_ args: [String]) -> Subprocess.Result {
            Subprocess.run("/usr/bin/nsenter", ["-t", "\(helper)", "-m", "--", BerthCLI.binary, "--root", dir,
                                                "--cgroup-parent", cli.cgroupParent] + args)
        }
        var id = ""
        defer {
            let ids = berth(["ps", "-a", "-q"]).stdout.split(separator: "\n").map(String.init)
            if !ids.isEmpty { _ = berth(["rm", "-f"] + ids) }
            // If Berth could not remove it (the bug this test is about), end the container by hand
            // before the helper goes: its supervisor, its processes, its cgroups, then the bridge.
            for pid in HostLeaks.processes(mentioning: dir) where pid != helper { kill(pid, SIGKILL) }
            if !id.isEmpty {
                for cgroup in cgroupDirectories(of: id) {
                    _ = cli.eventually(timeout: 10) {
                        let procs = (try? String(contentsOfFile: cgroup + "/cgroup.procs", encoding: .utf8)) ?? ""
                        for pid in procs.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
                        return rmdir(cgroup) == 0 || errno == ENOENT
                    }
                }
            }
            _ = berth(["network", "rm"])
            _ = cli.run(["ps"]) // removes the cgroup parent if nothing else uses it
        }
        XCTAssertEqual(berth(["image", "import-busybox"]).status, 0)
        let run = berth(["run", "-d", "--name", "filler", "busybox", "sh", "-c", "dd if=/dev/zero of=/fill bs=64k; exec sleep 100000"])
        XCTAssertEqual(run.status, 0, run.stderr)
        id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let full = cli.eventually(timeout: 60) {
            var fs = statvfs()
            return statvfs(view, &fs) == 0 && fs.f_bavail == 0
        }
        XCTAssertTrue(full, "the container did not fill the filesystem")
        XCTAssertEqual(leaseHolders(view), [id])

        let rm = berth(["rm", "-f", "filler"])
        XCTAssertEqual(rm.status, 0, "rm -f on a full filesystem: \(rm.stderr)")
        XCTAssertEqual(containerEntries(view), [])
        XCTAssertEqual(leaseHolders(view), [], "the address was not released")
        XCTAssertEqual(cgroupDirectories(of: id), [])
        XCTAssertEqual(berth(["network", "rm"]).status, 0)
        XCTAssertEqual(Self.root.scope.cgroupDirectories.filter { FileManager.default.fileExists(atPath: $0) }, [], "cgroups left")
    }

    // MARK: - Item 10: an unreadable record

    func testCorruptRecordIsListedAsBrokenAndRemovedByID() throws {
        defer { removeAll() }
        let run = cli.run(["run", "-d", "--name", "corrupt", "busybox", "sleep", "1000"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try XCTUnwrap(try cli.state(id)["Pid"] as? Int).int32
        let start = try XCTUnwrap(Self.startTime(pid))
        XCTAssertFalse(cgroupDirectories(of: id).isEmpty)
        try Data("{\"id\": \"\(id)\", \"na".utf8).write(to: URL(fileURLWithPath: root + "/containers/\(id)/container.json"))

        let ps = cli.run(["ps", "-a"])
        XCTAssertEqual(ps.status, 0, ps.stderr)
        let row = ps.stdout.split(separator: "\n").first { $0.hasPrefix(id.prefix(12)) }
        XCTAssertNotNil(row, "the broken container is not listed")
        XCTAssertTrue(row?.contains("Broken (container.json is corrupt)") == true, "row: \(row ?? "")")
        XCTAssertTrue(Self.running(pid, start: start), "the container's process died before rm")

        let rm = cli.run(["rm", "-f", id])
        XCTAssertEqual(rm.status, 0, "rm -f of a broken container: \(rm.stderr)")
        XCTAssertFalse(Self.running(pid, start: start), "the container's process survived rm -f")
        XCTAssertEqual(cgroupDirectories(of: id), [])
        XCTAssertFalse(try listedIDs().contains(id))
        assertClean()
    }

    // MARK: - Item 11: a killed supervisor

    func testKilledSupervisorIsReportedAndItsProcessesAreStopped() throws {
        defer { removeAll() }
        let run = cli.run(["run", "-d", "--name", "orphan", "busybox", "sleep", "1000"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try XCTUnwrap(try cli.state(id)["Pid"] as? Int).int32
        let shim = try XCTUnwrap(try cli.berthKeys(id)["ShimPid"] as? Int).int32
        let start = try XCTUnwrap(Self.startTime(pid))
        let shimStart = try XCTUnwrap(Self.startTime(shim))
        XCTAssertEqual(kill(shim, SIGKILL), 0)
        XCTAssertTrue(cli.eventually(timeout: 30) { !Self.running(shim, start: shimStart) }, "the supervisor did not die")

        XCTAssertEqual(try cli.state(id)["Status"] as? String, "dead")
        XCTAssertEqual(try cli.berthKeys(id)["StrayProcesses"] as? Int, 1)
        let ps = cli.run(["ps", "-a"])
        let row = ps.stdout.split(separator: "\n").first { $0.hasPrefix(id.prefix(12)) } ?? ""
        XCTAssertTrue(row.contains("Dead, 1 process still running"), "row: \(row)")
        XCTAssertTrue(Self.running(pid, start: start), "the container's process died with its supervisor")

        let stop = cli.run(["stop", "-t", "0", "orphan"])
        XCTAssertEqual(stop.status, 0, stop.stderr)
        XCTAssertFalse(Self.running(pid, start: start), "stop left the unsupervised process running")
        XCTAssertNil(try cli.berthKeys(id)["StrayProcesses"] as? Int)
        let rm = cli.run(["rm", "orphan"])
        XCTAssertEqual(rm.status, 0, rm.stderr)
        XCTAssertEqual(cgroupDirectories(of: id), [])
        assertClean()
    }

    func testForcedRemovalKillsTheProcessesOfAKilledSupervisor() throws {
        defer { removeAll() }
        let run = cli.run(["run", "-d", "busybox", "sh", "-c", "sleep 1000 & sleep 1000"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try XCTUnwrap(try cli.state(id)["Pid"] as? Int).int32
        let shim = try XCTUnwrap(try cli.berthKeys(id)["ShimPid"] as? Int).int32
        let start = try XCTUnwrap(Self.startTime(pid))
        let shimStart = try XCTUnwrap(Self.startTime(shim))
        XCTAssertEqual(kill(shim, SIGKILL), 0)
        XCTAssertTrue(cli.eventually(timeout: 30) { !Self.running(shim, start: shimStart) }, "the supervisor did not die")
        XCTAssertTrue(Self.running(pid, start: start))
        let rm = cli.run(["rm", "-f", id])
        XCTAssertEqual(rm.status, 0, rm.stderr)
        XCTAssertFalse(Self.running(pid, start: start), "rm -f left the unsupervised process running")
        XCTAssertEqual(cgroupDirectories(of: id), [])
        assertClean()
    }

    // MARK: - Item 12 and issue 19 item 8: no cgroup outlives its container

    func testManyRunsAndRemovalsLeaveNoCgroup() throws {
        defer { removeAll() }
        var ids: [String] = []
        for i in 0..<12 {
            let fg = cli.run(["run", "--rm", "--network", "none", "busybox", "true"])
            XCTAssertEqual(fg.status, 0, "run --rm \(i): \(fg.stderr)")
            let bg = cli.run(["run", "-d", "--network", "none", "busybox", "sh", "-c", i % 2 == 0 ? "exit 0" : "sleep 1000"])
            XCTAssertEqual(bg.status, 0, bg.stderr)
            let id = bg.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            ids.append(id)
            let rm = cli.run(["rm", "-f", id])
            XCTAssertEqual(rm.status, 0, "rm -f \(i): \(rm.stderr)")
        }
        XCTAssertEqual(try listedIDs(), [])
        for id in ids { XCTAssertEqual(cgroupDirectories(of: id), [], "cgroups of \(id) left") }
        assertClean()
    }
}

private extension Int {
    var int32: Int32 { Int32(truncatingIfNeeded: self) }
}
