import BerthOS
import BerthRuntime
import BerthTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// containerd drives `berth-runc` as it drives runc (its runc v2 shim, with `--runc-binary`): a
/// containerd of the test's own (temp root, state, sockets; never /etc/containerd), an image
/// imported from an OCI archive made with umoci and skopeo, containers in cgroups below the test's
/// own parent. The server and its shims are stopped by pid and every temp directory is removed.
final class RuncContainerdTests: XCTestCase {
    var scope: TestRootScope!
    var server: TestChild?
    var hostAtStart: HostState?
    /// containerd's shims use /run/containerd (shim sockets, ctr's FIFOs) whatever the config says:
    /// removed afterwards when the test made it.
    var runContainerdExisted = true
    var dir: String { scope.path }
    var socket: String { dir + "/c.sock" }
    static let image = "docker.io/library/berth-busybox:latest"

    override func setUpWithError() throws {
        try Prerequisite.requireRoot()
        for tool in ["containerd", "ctr", "containerd-shim-runc-v2", "umoci", "skopeo"] { try Prerequisite.requireTool(tool) }
        try Prerequisite.require(access("/bin/busybox", X_OK) == 0, "busybox-static is not installed")
        scope = TestRootScope(label: "runcctr")
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        hostAtStart = HostState.take()
        runContainerdExisted = FileIO.exists("/run/containerd")
        let config = """
            version = 2
            root = "\(dir)/root"
            state = "\(dir)/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "\(socket)"
            [ttrpc]
              address = "\(socket).ttrpc"
            [debug]
              address = ""
            [metrics]
              address = ""
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: dir + "/config.toml"))
        server = try TestChild.spawn(["/bin/sh", "-c", "exec containerd --config '\(dir)/config.toml' >'\(dir)/containerd.log' 2>&1"])
        let end = Date().addingTimeInterval(30)
        while ctr(["version"]).status != 0 && Date() < end { usleep(50_000) }
        let v = ctr(["version"])
        XCTAssertEqual(v.status, 0, "containerd did not come up: \(v.stderr) \(log())")
        try makeImage()
    }

    override func tearDown() {
        guard let scope else { return super.tearDown() }
        for task in ctr(["task", "ls", "-q"]).stdout.split(separator: "\n") {
            ctr(["task", "kill", "-s", "KILL", String(task)])
            ctr(["task", "delete", "--force", String(task)])
        }
        for c in ctr(["container", "ls", "-q"]).stdout.split(separator: "\n") { ctr(["container", "delete", String(c)]) }
        if let server {
            _ = Glibc.kill(server.pid, SIGTERM)
            var status: Int32 = 0
            let end = Date().addingTimeInterval(10)
            while waitpid(server.pid, &status, WNOHANG) == 0 && Date() < end { usleep(20_000) }
            if Date() >= end { server.kill() }
        }
        // Shims of this containerd (their command line names its socket), if a task outlived it.
        for pid in HostLeaks.processes(mentioning: socket) { _ = Glibc.kill(pid, SIGKILL) }
        var left: [String] = []
        for dir in scope.cgroupDirectories where access(dir, F_OK) == 0 { left.append("cgroup left: \(dir)") }
        let runcRoot = dir + "/runc/default"
        // Dot directories are berth-runc's caches (compiled seccomp filters), not containers.
        left += FileIO.entryNames(runcRoot).filter { !$0.hasPrefix(".") && KernelFile.isDirectory(runcRoot + "/" + $0) }.map { "berth-runc state left: \($0)" }
        XCTAssertEqual(left, [])
        RuncClientFixtures.unmountAll(under: dir)
        try? FileManager.default.removeItem(atPath: dir)
        if !runContainerdExisted { try? FileManager.default.removeItem(atPath: "/run/containerd") }
        if let start = hostAtStart { XCTAssertEqual(scope.leftovers(since: start, containerIDs: []), []) }
        super.tearDown()
    }

    @discardableResult
    func ctr(_ args: [String], timeout: Double = 60) -> Subprocess.Result {
        Subprocess.run("/usr/bin/env", ["ctr", "--address", socket] + args, timeout: timeout)
    }

    func log() -> String { (try? String(contentsOfFile: dir + "/containerd.log", encoding: .utf8)) ?? "" }

    /// A one-layer busybox image: umoci, then skopeo into an OCI archive, then `ctr image import`.
    func makeImage() throws {
        let i = ctr(["image", "import", RuncClientFixtures.makeImageArchive(in: dir, name: Self.image)])
        XCTAssertEqual(i.status, 0, i.both)
    }

    /// `ctr run` with berth-runc, its state under the test's directory, its cgroup below the test's parent.
    func runArgs(_ id: String, detach: Bool = false, _ command: [String]) -> [String] {
        ["run"] + (detach ? ["-d"] : ["--rm"]) + ["--runc-binary", RuncCLITests.binary, "--runc-root", dir + "/runc",
         "--cgroup", scope.cgroupParent + "/" + id, Self.image, id] + command
    }

    func testCtrRunRemovesAndReportsTheExitCode() throws {
        let r = ctr(runArgs("t1", ["sh", "-c", "echo hello from berth-runc; exit 3"]))
        XCTAssertEqual(r.status, 3, r.both + log())
        XCTAssertEqual(r.stdout, "hello from berth-runc\n")
        XCTAssertEqual(ctr(["container", "ls", "-q"]).stdout, "")
    }

    /// `ctr task metrics`: containerd's runc shim (berth-runc its BinaryName, set by --runc-binary)
    /// reads the cgroups of the init berth-runc made: real memory use and the one process.
    func testCtrTaskMetricsReadsTheContainersCgroups() throws {
        let r = ctr(runArgs("m1", detach: true, ["sleep", "1000"]))
        XCTAssertEqual(r.status, 0, r.both + log())
        let m = ctr(["task", "metrics", "--format", "json", "m1"])
        XCTAssertEqual(m.status, 0, m.both + log())
        let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(m.stdout.utf8)) as? [String: Any], m.stdout)
        // cgroup v1 (io.containerd.cgroups.v1.Metrics): memory.usage.usage, pids.current; v2:
        // memory.usage, pids.current.
        let memory = metrics["memory"] as? [String: Any]
        let usage = ((memory?["usage"] as? [String: Any])?["usage"] as? NSNumber) ?? (memory?["usage"] as? NSNumber)
        XCTAssertGreaterThan(try XCTUnwrap(usage, "no memory usage in \(m.stdout)").uint64Value, 0, m.stdout)
        let pids = (metrics["pids"] as? [String: Any])?["current"] as? NSNumber
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(pids, "no pids.current in \(m.stdout)").intValue, 1, m.stdout)
        XCTAssertEqual(ctr(["task", "kill", "-s", "KILL", "m1"]).status, 0)
        let end = Date().addingTimeInterval(20)
        while !ctr(["task", "ls"]).stdout.contains("STOPPED") && Date() < end { usleep(50_000) }
        XCTAssertEqual(ctr(["task", "delete", "m1"]).status, 0)
        XCTAssertEqual(ctr(["container", "delete", "m1"]).status, 0)
    }

    func testCtrRunDetachedExecKillDelete() throws {
        let r = ctr(runArgs("t2", detach: true, ["sleep", "1000"]))
        XCTAssertEqual(r.status, 0, r.both + log())
        let tasks = ctr(["task", "ls"]).stdout
        XCTAssertTrue(tasks.contains("t2") && tasks.contains("RUNNING"), tasks)
        let pid = try XCTUnwrap(tasks.split(separator: "\n").first { $0.hasPrefix("t2") }?.split(separator: " ", omittingEmptySubsequences: true)[1])
        let cgroup = (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? ""
        XCTAssertTrue(cgroup.contains(scope.cgroupParent + "/t2"), cgroup)
        // berth-runc's own state for it, where containerd's shim told it to keep it.
        XCTAssertTrue(FileIO.exists(dir + "/runc/default/t2/state.json"))

        let e = ctr(["task", "exec", "--exec-id", "e1", "t2", "sh", "-c", "echo exec in $$; exit 4"])
        XCTAssertEqual(e.status, 4, e.both + log())
        XCTAssertTrue(e.stdout.hasPrefix("exec in "), e.stdout)

        XCTAssertEqual(ctr(["task", "pause", "t2"]).status, 0)
        XCTAssertTrue(ctr(["task", "ls"]).stdout.contains("PAUSED"))
        XCTAssertEqual(ctr(["task", "resume", "t2"]).status, 0)

        XCTAssertEqual(ctr(["task", "kill", "-s", "KILL", "t2"]).status, 0)
        let end = Date().addingTimeInterval(20)
        while !ctr(["task", "ls"]).stdout.contains("STOPPED") && Date() < end { usleep(50_000) }
        XCTAssertTrue(ctr(["task", "ls"]).stdout.contains("STOPPED"))
        XCTAssertEqual(ctr(["task", "delete", "t2"]).status, 0)
        XCTAssertEqual(ctr(["container", "delete", "t2"]).status, 0)
        XCTAssertFalse(FileIO.exists(dir + "/runc/default/t2"), "delete left berth-runc's state")
        for d in scope.cgroupDirectories { XCTAssertFalse(FileIO.exists(d + "/t2"), "cgroup left: \(d)/t2") }
    }
}
