import BerthOS
import BerthRuntime
import BerthTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `berth top --runc-root`: the containers of a berth-runc root, of Debian's runc root (the
/// format containerd's /run/containerd/runc/NAMESPACE holds) and of a crun root, shown beside Berth's own with
/// their state, stats and processes, and never acted on.
extension RuncCLITests {
    func testRuntimeRootsAreShownReadOnlyWithStats() throws {
        let out = scope.path + "/roots.out"
        let b1 = try bundle("rr1", args: ["sleep", "1000"])
        XCTAssertEqual(runcToFile(["run", "--detach", "--bundle", b1, "rr1"], output: out), 0, read(out))
        var roots = [try RuntimeRootReader(root: stateRoot)]
        let runcRoot = scope.path + "/runc-state"
        let debianRunc = Prerequisite.find("runc")
        defer {
            if let debianRunc {
                _ = Subprocess.run(debianRunc, ["--root", runcRoot, "delete", "--force", "rr2"])
                runc(["delete", "--force", "rr1"])
                // runc leaves the parent cgroups it made (berth-runc's ledger removes its own).
                for d in scope.cgroupDirectories { rmdir(d) }
            }
        }
        if let debianRunc {
            let b2 = try bundle("rr2", args: ["sleep", "1000"])
            let r = Subprocess.run("/bin/sh", ["-c", "'\(debianRunc)' --root '\(runcRoot)' run -d --bundle '\(b2)' rr2 >>'\(out)' 2>&1 </dev/null"])
            XCTAssertEqual(r.status, 0, read(out))
            roots.append(try RuntimeRootReader(root: runcRoot))
        } else {
            print("runc not installed: only berth-runc's root is read (runc's state format is covered by RuntimeRootReaderTests)")
        }
        // crun's root format (`status` beside a config.json), from a real crun container.
        let crunRoot = scope.path + "/crun-state"
        let crun = ComparisonRuntime.find("crun")
        defer {
            if let crun {
                crun.run(root: crunRoot, ["delete", "--force", "rr3"], output: out)
                for d in scope.cgroupDirectories { rmdir(d) }
            }
        }
        if let crun {
            let b3 = try crun.bundle(for: try bundle("rr3", args: ["sleep", "1000"]) { config in
                config["annotations"] = ["io.kubernetes.cri.container-name": "crun-web"]
            })
            XCTAssertEqual(crun.run(root: crunRoot, ["run", "--detach", "--bundle", b3, "rr3"], output: out), 0, read(out))
            XCTAssertTrue(FileIO.exists(crunRoot + "/rr3/status"), "crun's root holds no status file: its format changed")
            roots.append(try RuntimeRootReader(root: crunRoot))
        } else {
            print("crun not installed: its root is not read here (its format is covered by RuntimeRootReaderTests)")
        }
        let own = try Engine(options: EngineOptions(root: scope.path + "/berth", cgroupParent: scope.cgroupParent + "-own"))
        let engine = RuntimeRootsEngine(own: own, roots: roots)
        let ids = ["rr1"] + (debianRunc == nil ? [] : ["rr2"]) + (crun == nil ? [] : ["rr3"])

        let running = try engine.list(all: false)
        XCTAssertEqual(Set(running.map(\.id)), Set(ids))
        for c in running {
            XCTAssertEqual(c.state.status, .running, c.id)
            XCTAssertEqual(c.command, ["sleep", "1000"], "read from the bundle's config.json")
            XCTAssertNotNil(c.labels[RuntimeRootsEngine.rootLabel])
        }
        XCTAssertEqual(running.first { $0.id == "rr1" }?.state.pid.map(Int.init), try state("rr1")["pid"] as? Int)
        XCTAssertEqual(running.first { $0.id == "rr1" }?.labels[RuntimeRootsEngine.formatLabel], "berth-runc")
        if debianRunc != nil { XCTAssertEqual(running.first { $0.id == "rr2" }?.labels[RuntimeRootsEngine.formatLabel], "runc") }
        if crun != nil {
            let rr3 = running.first { $0.id == "rr3" }
            XCTAssertEqual(rr3?.labels[RuntimeRootsEngine.formatLabel], "crun")
            XCTAssertEqual(rr3?.name, "crun-web", "the annotations of crun's config.json")
            XCTAssertEqual(rr3?.state.pid.map(Int.init), Int(read(crunRoot + "/rr3/status").split(separator: "\n")
                .first { $0.contains("\"pid\"") }?.filter(\.isNumber) ?? ""))
            XCTAssertTrue(try engine.inspectDocument("rr3").contains("\"process-start-time\""))
            // Its runtime's pause shows.
            XCTAssertEqual(crun.map { $0.run(root: crunRoot, ["pause", "rr3"], output: out) }, 0, read(out))
            XCTAssertEqual(try engine.list(all: false).first { $0.id == "rr3" }?.state.paused, true)
            XCTAssertEqual(crun.map { $0.run(root: crunRoot, ["resume", "rr3"], output: out) }, 0, read(out))
        }

        // Stats from the cgroups each init is in, wherever its runtime put them.
        let stats = Dictionary(uniqueKeysWithValues: engine.sampleStats(of: running).map { ($0.id, $0) })
        for id in ids {
            let s = try XCTUnwrap(stats[id], "no stats for \(id): \(stats.keys.sorted())")
            XCTAssertGreaterThan(s.memoryUsage, 0, id)
            XCTAssertEqual(s.pids, 1, id)
        }
        for id in ids {
            let pid = try XCTUnwrap(running.first { $0.id == id }?.state.pid, id)
            XCTAssertEqual(try engine.processSamples(id).map(\.pid), [pid], id)
        }
        let pid = try XCTUnwrap(running.first { $0.id == "rr1" }?.state.pid)
        XCTAssertTrue(try engine.inspectDocument("rr1").contains("\"cgroupParent\""))
        if debianRunc != nil { XCTAssertTrue(try engine.inspectDocument("rr2").contains("\"init_process_pid\"")) }

        // Every action is the owner's.
        for action in [{ try engine.stop("rr1", timeout: 1) }, { try engine.remove("rr1", force: true) },
                       { try engine.kill("rr1", signal: SIGKILL) }, { try engine.pause("rr1") },
                       { try engine.signalProcess("rr1", pid: pid, signal: SIGKILL) }] {
            XCTAssertThrowsError(try action()) { XCTAssertTrue("\($0)".contains("belongs to the runtime root \(stateRoot)"), "\($0)") }
        }
        XCTAssertEqual(try state("rr1")["status"] as? String, "running", "the refused actions did nothing")

        // Its runtime's pause shows; its exit shows as exited.
        XCTAssertEqual(runc(["pause", "rr1"]).status, 0)
        XCTAssertEqual(try engine.list(all: false).first { $0.id == "rr1" }?.state.paused, true)
        XCTAssertEqual(runc(["resume", "rr1"]).status, 0)
        XCTAssertEqual(runc(["kill", "rr1", "KILL"]).status, 0)
        XCTAssertTrue(try eventually { try engine.list(all: true).first { $0.id == "rr1" }?.state.status == .exited })
        XCTAssertFalse(try engine.list(all: false).contains { $0.id == "rr1" })
    }

    /// Bad --runc-root values: one line, exit 125, no dashboard.
    func testTopRefusesBadRuntimeRoots() throws {
        let cli = BerthCLI(root: scope.path + "/berth", cgroupParent: scope.cgroupParent + "-own")
        for (args, words) in [(["top", "--runc-root", "run/runc"], "absolute"),
                              (["top", "--runc-root", scope.path + "/nosuch"], "no such directory"),
                              (["top", "--runc-root", stateRoot, "--context", "x"], "cannot be combined with --context")] {
            try FileManager.default.createDirectory(atPath: stateRoot, withIntermediateDirectories: true)
            let r = cli.run(args)
            XCTAssertEqual(r.status, 125, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(words), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
    }
}
