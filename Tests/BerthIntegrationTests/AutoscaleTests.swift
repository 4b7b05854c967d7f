import BerthRuntime
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `berth service autoscale` with real replicas under a real CPU load: the controller scales up
/// and back down, survives a `kill -9`, refuses manual counts, records its decisions, and goes
/// with the service.
final class AutoscaleTests: ContainerTestCase {
    override class var rootLabel: String { "autoscale" }

    /// Busy while `/ctl/busy` exists, idle otherwise; ends at once on SIGTERM.
    static let loadLoop = ["sh", "-c", "trap 'exit 0' TERM; while :; do if [ -e /ctl/busy ]; then :; else sleep 0.2; fi; done"]

    override func setUpWithError() throws {
        try super.setUpWithError()
        let cli = self.cli
        addTeardownBlock { cli.removeAllServices() }
    }

    func status(_ name: String) throws -> [String: Any] {
        let list = try XCTUnwrap(cli.json(["service", "ls", "--json"]) as? [[String: Any]])
        return try XCTUnwrap(list.first { $0["name"] as? String == name }, "no service \(name) in service ls")
    }

    /// Polls until `condition` holds on the service's status (at most `seconds`), returning the last status.
    @discardableResult
    func waitFor(_ name: String, seconds: Double = 120, _ what: String, _ condition: ([String: Any]) -> Bool) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(seconds)
        var last = try status(name)
        while !condition(last) {
            guard Date() < deadline else {
                XCTFail("\(what): not reached in \(Int(seconds)) s; last status \(last)")
                return last
            }
            usleep(300_000)
            last = try status(name)
        }
        return last
    }

    static func controllerPid(_ s: [String: Any]) -> Int32? {
        ((s["autoscaler"] as? [String: Any])?["controllerPid"] as? Int).map(Int32.init)
    }

    func testScalesUpUnderLoadBackDownWhenIdleAndSurvivesAKilledController() throws {
        let ctl = try scratchDirectory(self, "autoscale")
        let since = String(Date().timeIntervalSince1970)
        let created = cli.run(["service", "create", "--replicas", "1", "--cpus", "0.1", "-v", ctl + ":/ctl", "hot", "busybox"] + Self.loadLoop)
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertTrue(FileManager.default.createFile(atPath: ctl + "/busy", contents: nil))

        let on = cli.run(["service", "autoscale", "hot", "--min", "1", "--max", "3", "--cpu-target", "50%",
                          "--interval", "1s", "--scale-down-stabilization", "0s"])
        XCTAssertEqual(on.status, 0, on.stderr)
        let table = cli.run(["service", "ls"]).stdout
        XCTAssertTrue(table.contains("1..3 cpu 50%"), table)

        // Each replica uses all of its tenth of a CPU (a small limit, so a busy machine still gives it
        // that much): 100% of a 50% target doubles the count, to the maximum.
        try waitFor("hot", "scaled up to 3 running") { ($0["desired"] as? Int) == 3 && ($0["running"] as? Int) == 3 }

        // A person's count would be undone by the next sample: refused, naming the way to change it.
        let manual = cli.run(["scale", "hot=2"])
        XCTAssertEqual(manual.status, 125)
        XCTAssertTrue(manual.stderr.hasPrefix("berth: service hot is autoscaled (1..3 cpu 50%)"), manual.stderr)

        // kill -9 of the controller: its monitor starts another one.
        let first = try XCTUnwrap(Self.controllerPid(try status("hot")), "no controller pid in service ls --json")
        XCTAssertEqual(kill(first, SIGKILL), 0)
        let restarted = try waitFor("hot", seconds: 30, "controller restarted") {
            guard let pid = Self.controllerPid($0) else { return false }
            return pid != first
        }
        XCTAssertGreaterThanOrEqual((restarted["autoscaler"] as? [String: Any])?["restarts"] as? Int ?? 0, 1)

        // The load stops: back down to the minimum.
        XCTAssertEqual(unlink(ctl + "/busy"), 0)
        try waitFor("hot", "scaled down to 1") { ($0["desired"] as? Int) == 1 && (($0["replicas"] as? [Any])?.count ?? 0) == 1 }

        // Every decision is in the journal, with from, to and why.
        let events = cli.run(["events", "--since", since, "--until", String(Date().timeIntervalSince1970 + 1),
                              "--filter", "type=service", "--format", "json"])
        XCTAssertEqual(events.status, 0, events.stderr)
        let scales = try events.stdout.split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["Action"] as? String == "scale" }
        let attrs = scales.compactMap { ($0["Actor"] as? [String: Any])?["Attributes"] as? [String: String] }
        XCTAssertTrue(attrs.contains { $0["from"] == "1" && $0["by"] == "autoscaler" && ($0["reason"] ?? "").contains("cpu") }, "\(attrs)")
        XCTAssertTrue(attrs.contains { $0["to"] == "1" }, "\(attrs)")

        // Removing the service ends both controller processes.
        let last = try XCTUnwrap(Self.controllerPid(try status("hot")))
        XCTAssertEqual(cli.run(["service", "rm", "-t", "1", "hot"]).status, 0)
        let deadline = Date().addingTimeInterval(10)
        while kill(last, 0) == 0 && Date() < deadline { usleep(100_000) }
        XCTAssertNotEqual(kill(last, 0), 0, "the controller \(last) outlived its service")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.root + "/services/hot.autoscaler"))
    }

    func testBadPoliciesAreOneLineAndChangeNothing() throws {
        XCTAssertEqual(cli.run(["service", "create", "--replicas", "2", "calm", "busybox", "sleep", "300"]).status, 0)
        for (args, message) in [
            (["--min", "0", "--max", "3", "--cpu-target", "50"], "berth: --min must be 1 or more, not 0\n"),
            (["--min", "1", "--max", "3"], "berth: an autoscaled service needs a target: --cpu-target or --memory-target\n"),
            (["--min", "1", "--max", "3", "--cpu-target", "lots"], "berth: --cpu-target: expected a percentage such as 50%, not 'lots'\n"),
            (["--min", "1", "--max", "3", "--cpu-target", "50", "--interval", "1\u{1b}[31m"], nil),
        ] {
            let r = cli.run(["service", "autoscale", "calm"] + args)
            XCTAssertEqual(r.status, 125, "\(args): \(r.stderr)")
            if let message { XCTAssertEqual(r.stderr, message) }
            XCTAssertFalse(r.stderr.contains("\u{1b}"), r.stderr)
            XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
        }
        let s = try status("calm")
        XCTAssertNil(s["autoscaler"], "\(s)")
        XCTAssertEqual(s["desired"] as? Int, 2)
        XCTAssertEqual(cli.run(["service", "autoscale", "nosuch", "--min", "1", "--max", "2", "--cpu-target", "50"]).status, 125)
        // Out of range counts come into the range at once; --off keeps the count.
        let on = cli.run(["service", "autoscale", "calm", "--min", "3", "--max", "4", "--cpu-target", "50", "--interval", "1s"])
        XCTAssertEqual(on.status, 0, on.stderr)
        XCTAssertEqual(try status("calm")["desired"] as? Int, 3)
        // The dashboard's `+` on an autoscaled service moves the range through the engine: the
        // count follows into it, and the dashboard's headings read the new range.
        let engine = try Engine(options: EngineOptions(root: cli.root, cgroupParent: cli.cgroupParent))
        try engine.setAutoscaleRange("calm", min: 4, max: 5)
        XCTAssertEqual(try status("calm")["desired"] as? Int, 4)
        XCTAssertEqual(engine.serviceTargets()["calm"], ServiceTarget(replicas: 4, autoscale: engine.serviceTargets()["calm"]?.autoscale))
        XCTAssertEqual(engine.serviceTargets()["calm"]?.autoscale.map { [$0.min, $0.max, $0.cpuTarget ?? 0] }, [4, 5, 50])
        XCTAssertThrowsError(try engine.setAutoscaleRange("calm", min: 0, max: 4)) { XCTAssertTrue("\($0)".contains("--min must be 1 or more"), "\($0)") }
        let off = cli.run(["service", "autoscale", "calm", "--off"])
        XCTAssertEqual(off.status, 0, off.stderr)
        let after = try status("calm")
        XCTAssertNil(after["autoscaler"], "\(after)")
        XCTAssertEqual(after["desired"] as? Int, 4)
        XCTAssertEqual(cli.run(["scale", "calm=1"]).status, 0)
    }
}
