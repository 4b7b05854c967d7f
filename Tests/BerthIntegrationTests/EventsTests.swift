import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `berth events` and the journal the CLI and the supervisors write, against real containers.
final class EventsTests: ContainerTestCase {
    override class var rootLabel: String { "events" }

    /// Unix nanoseconds now, as `--since` reads them (unix seconds with a fraction).
    private func nowArgument() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return "\(ts.tv_sec).\(String(format: "%09ld", ts.tv_nsec))"
    }

    /// The journal's events between `since` and now, as docker-shaped JSON objects.
    private func replay(since: String, _ extra: [String] = []) throws -> [[String: Any]] {
        let r = cli.run(["events", "--since", since, "--until", nowArgument(), "--format", "json"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try r.stdout.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], String($0))
        }
    }

    private func actions(_ events: [[String: Any]], of id: String) -> [String] {
        events.filter { ($0["id"] as? String) == id }.compactMap { $0["Action"] as? String }
    }

    /// 200 containers started and removed concurrently: each has exactly create, start, kill,
    /// die, destroy, in that order, and nothing else is recorded; `--since` replays them after the fact.
    func testTwoHundredConcurrentContainersAreRecordedExactly() throws {
        let since = nowArgument()
        let count = 200
        let cli = self.cli
        let ids = Locked<[String]>([])
        let failures = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in stride(from: worker, to: count, by: 8) {
                let r = cli.run(["run", "-d", "--network", "none", "--name", "ev-\(i)", "busybox", "sleep", "600"])
                if r.status == 0 {
                    ids.withLock { $0.append(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) }
                } else {
                    failures.withLock { $0.append("run ev-\(i): \(r.stderr)") }
                }
            }
        }
        let started = ids.withLock { $0 }
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in stride(from: worker, to: started.count, by: 8) {
                let r = cli.run(["rm", "-f", started[i]])
                if r.status != 0 { failures.withLock { $0.append("rm \(started[i]): \(r.stderr)") } }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, [])
        XCTAssertEqual(started.count, count)

        let events = try replay(since: since)
        XCTAssertEqual(events.count, count * 5, "five events per container and nothing else")
        for id in started {
            XCTAssertEqual(actions(events, of: id), ["create", "start", "kill", "die", "destroy"], id)
        }
        let dies = events.filter { ($0["Action"] as? String) == "die" }
        XCTAssertTrue(dies.allSatisfy { (($0["Actor"] as? [String: Any])?["Attributes"] as? [String: String])?["exitCode"] == "137" })
        let kills = events.filter { ($0["Action"] as? String) == "kill" }
        XCTAssertTrue(kills.allSatisfy { (($0["Actor"] as? [String: Any])?["Attributes"] as? [String: String])?["signal"] == "9" })
        // Each container's events are in time order (the journal is appended in order).
        for id in started.prefix(20) {
            let times = events.filter { ($0["id"] as? String) == id }.compactMap { ($0["timeNano"] as? NSNumber)?.int64Value }
            XCTAssertEqual(times, times.sorted(), id)
        }
    }

    /// A follower sees events as they happen: the removal is done only once the follower has
    /// printed the start (replayed from `--since`), so `kill`, `die` and `destroy` reach it live.
    func testAFollowerSeesEventsLive() throws {
        let since = nowArgument()
        let r = cli.run(["run", "-d", "--network", "none", "--name", "live", "busybox", "sleep", "600"])
        XCTAssertEqual(r.status, 0, r.stderr)
        var removed = false
        let out = StreamingRead.run(BerthCLI.binary, ["--root", cli.root, "events", "--since", since,
                                                      "--filter", "container=live", "--format", "{{.Action}} {{.Actor.Attributes.name}}"]) { text in
            if !removed && text.contains("start live\n") {
                removed = true
                let run = cli.run(["rm", "-f", "live"])
                XCTAssertEqual(run.status, 0, run.stderr)
            }
            return text.contains("destroy live\n")
        }
        XCTAssertTrue(removed, out)
        XCTAssertEqual(out, "create live\nstart live\nkill live\ndie live\ndestroy live\n")
    }

    /// die carries the exit code; stop records kill, die and stop; restart records its own event;
    /// filters by event and label; the default text format.
    func testLifecycleEventsAndFilters() throws {
        let since = nowArgument()
        XCTAssertEqual(cli.run(["run", "-d", "--name", "three", "--label", "team=a", "busybox", "sh", "-c", "exit 3"]).status, 0)
        XCTAssertEqual(cli.run(["wait", "three"]).stdout, "3\n")
        XCTAssertEqual(cli.run(["run", "-d", "--name", "svc", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["restart", "-t", "0", "svc"]).status, 0)
        XCTAssertEqual(cli.run(["stop", "-t", "0", "svc"]).status, 0)

        let all = try replay(since: since)
        let threeID = try XCTUnwrap(all.first { (($0["Actor"] as? [String: Any])?["Attributes"] as? [String: String])?["name"] == "three" }?["id"] as? String)
        XCTAssertEqual(actions(all, of: threeID), ["create", "start", "die"])
        let die = try XCTUnwrap(all.first { ($0["id"] as? String) == threeID && ($0["Action"] as? String) == "die" })
        let attrs = try XCTUnwrap((die["Actor"] as? [String: Any])?["Attributes"] as? [String: String])
        XCTAssertEqual(attrs["exitCode"], "3")
        XCTAssertEqual(attrs["team"], "a", "labels are attributes")
        XCTAssertEqual(attrs["image"], "busybox:latest")

        let svcID = try XCTUnwrap(all.first { (($0["Actor"] as? [String: Any])?["Attributes"] as? [String: String])?["name"] == "svc" }?["id"] as? String)
        // Each stop sends SIGTERM (recorded as kill 15), then SIGKILL when the grace period ends;
        // who sends that one (the supervisor, recorded, or the caller) is a race at -t 0.
        XCTAssertEqual(actions(all, of: svcID).filter { $0 != "kill" }, ["create", "start", "die", "stop", "start", "restart", "die", "stop"])
        let firstKill = all.first { ($0["id"] as? String) == svcID && ($0["Action"] as? String) == "kill" }
        XCTAssertEqual(((firstKill?["Actor"] as? [String: Any])?["Attributes"] as? [String: String])?["signal"], "15")

        XCTAssertEqual(try replay(since: since, ["--filter", "label=team=a"]).count, 3)
        XCTAssertEqual(try replay(since: since, ["--filter", "event=die", "--filter", "event=restart"]).count, 4)
        XCTAssertEqual(try replay(since: since, ["--filter", "container=svc", "--filter", "event=start"]).count, 2)

        let text = cli.run(["events", "--since", since, "--until", nowArgument(), "--filter", "container=three", "--filter", "event=die"])
        XCTAssertEqual(text.status, 0, text.stderr)
        let line = text.stdout.trimmingCharacters(in: .newlines)
        XCTAssertTrue(line.hasSuffix(" container die \(threeID) (exitCode=3, image=busybox:latest, name=three, team=a)"), line)
        XCTAssertNotNil(Double(cli.run(["events", "--since", since, "--until", nowArgument(), "--format", "{{.time}}",
                                        "--filter", "event=die", "--filter", "container=three"]).stdout.trimmingCharacters(in: .newlines)))
    }

    /// The supervisor rotates the journal like the CLI does: with a small rotation size, the
    /// journal and its previous generation hold the newest events, and a replay reads both.
    func testSupervisorsRotateTheJournal() throws {
        let since = nowArgument()
        for i in 0..<4 {
            let r = Subprocess.run("/usr/bin/env", ["BERTH_EVENTS_MAX_BYTES=700", BerthCLI.binary, "--root", cli.root,
                                                    "--cgroup-parent", cli.cgroupParent, "run", "-d", "--network", "none",
                                                    "--name", "rot-\(i)", "busybox", "true"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(cli.run(["wait", "rot-\(i)"]).stdout, "0\n")
        }
        let journal = cli.root + "/events/journal"
        let current = (try? String(contentsOfFile: journal, encoding: .utf8)) ?? ""
        let previous = (try? String(contentsOfFile: journal + ".1", encoding: .utf8)) ?? ""
        XCTAssertFalse(previous.isEmpty, "rotated")
        XCTAssertLessThan(current.utf8.count + previous.utf8.count, 4 * 3 * 300, "older generations were dropped")
        let events = try replay(since: since)
        XCTAssertEqual(events.last?["Action"] as? String, "die", "the newest event, written by the supervisor, is kept")
        XCTAssertEqual((events.last?["Actor"] as? [String: Any]).flatMap { ($0["Attributes"] as? [String: String])?["name"] }, "rot-3")
    }

    /// Bad arguments: one `berth:` line and exit 125.
    func testRefusals() {
        for args in [["--filter", "colour=red"], ["--filter", "nokey"], ["--since", "yesterday"], ["--until", "soon"],
                     ["--format", "{{.Action"], ["--format", "{{nosuch .Action}}"]] {
            let r = cli.run(["events", "--until", "0s"] + args)
            XCTAssertEqual(r.status, 125, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("berth: "), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
    }
}

/// A value shared by the threads of `concurrentPerform`.
final class Locked<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func withLock<R>(_ body: (inout T) -> R) -> R { lock.lock(); defer { lock.unlock() }; return body(&value) }
}
