import BerthOS
import BerthRuntime
@testable import BerthDashboard
import Foundation
import Synchronization
import XCTest

/// The dashboard over several hosts: the merge of their streams' states (`FleetSnapshot`), the
/// model and screens made from it, and actions routed to the owning host (`FleetEngine`).
final class FleetDashboardTests: XCTestCase {
    /// Hosts a and c answer; b stopped answering at sample 80 and keeps its last snapshot.
    static let hostA = [Fixtures.container(1, "web-1", service: "web", cpus: 0.5),
                        Fixtures.container(2, "web-2", service: "web", cpus: 0.5),
                        Fixtures.container(4, "db", image: "docker.io/library/postgres:16", memoryLimit: 1 << 30)]
    static let hostB = [Fixtures.container(11, "web-1", service: "web"),
                        Fixtures.container(12, "cache", image: "docker.io/library/redis:7", memoryLimit: 96 << 20),
                        Fixtures.container(15, "backup", image: "docker.io/library/alpine:3.20", status: .exited, exitCode: 1)]
    static let hostC = [Fixtures.container(21, "worker", image: "ghcr.io/acme/worker:2.3.1", cpus: 1)]
    static let lostAt = 80

    static func state(_ name: String, _ infos: [ContainerInfo], k: Int, cpuShare: UInt64) -> StreamConnection.State {
        var info = Fixtures.host
        info.hostname = "dock-0" + name
        info.cpuBusyTicks += UInt64(k) * cpuShare; info.cpuTotalTicks += UInt64(k * 200)
        let snap = StreamSnapshot(time: Fixtures.t0.addingTimeInterval(Double(k)), host: info, containers: infos,
                                  stats: Fixtures.stats(infos, k: k), replicas: ["web": 2])
        return StreamConnection.State(hello: StreamHello(berth: "0.1.0", host: info.hostname, interval: 1), snapshot: snap,
                                      lastLine: Fixtures.t0.addingTimeInterval(Double(k) + 0.25), connections: 1)
    }

    static func snapshot(k: Int) -> EngineSnapshot {
        var b = state("b", hostB, k: min(k, lostAt), cpuShare: 120)
        if k > lostAt {
            b.unreachableSince = b.lastLine
            b.problem = "ssh: connect to host 10.213.0.6 port 22: Connection refused"
        }
        return FleetSnapshot.merge([("a", state("a", hostA, k: k, cpuShare: 40)), ("b", b), ("c", state("c", hostC, k: k, cpuShare: 90))],
                                   now: Fixtures.t0.addingTimeInterval(Double(k) + 0.5))
    }

    static func model(columns: Int = 120, rows: Int = 40, samples: Int = 90) -> DashboardModel {
        let catalog = ThemeCatalog.builtin()
        var m = DashboardModel(size: TerminalSize(columns: columns, rows: rows), theme: catalog.named("default")!, themes: catalog,
                               colorMode: .truecolor, unicode: true, showAll: true, now: Fixtures.t0)
        for k in 0..<samples { _ = m.update(.snapshot(snapshot(k: k))) }
        return m
    }

    func testMergedViewWithOneHostUnreachable120x40() {
        var m = Self.model()
        _ = m.update(.logLines(id: m.selectedID ?? "", lines: Fixtures.logLines(40), reset: true))
        Golden.assertScreen(m, "fleet-unreachable-120x40")
        let screen = Golden.render(m).text()
        XCTAssertTrue(screen.contains("unreachable since 12:01:20"), screen)
        XCTAssertTrue(screen.contains("HOST"), screen)
    }

    func testEachContainerKnowsItsHostAndServicesStayPerHost() {
        let m = Self.model()
        XCTAssertEqual(m.hosts.map(\.sample.name), ["a", "b", "c"])
        XCTAssertEqual(m.entries[Fixtures.id(11)]?.host, "b")
        XCTAssertEqual(m.entries[Fixtures.id(21)]?.host, "c")
        // `web` on a and on b are two services, each with its own heading and count.
        let headings = m.rows.compactMap { row -> String? in if case .service(let n, _, _) = row { return n } else { return nil } }
        XCTAssertEqual(Set(headings), ["a/web", "b/web"])
        XCTAssertEqual(m.desiredReplicas["b/web"], 2)
        XCTAssertTrue(m.isStale(m.entries[Fixtures.id(12)]!))
        XCTAssertFalse(m.isStale(m.entries[Fixtures.id(4)]!))
        XCTAssertEqual(m.layout.header.height, 5, "a header line per host under the two of one engine")
    }

    /// An unreachable host's rows keep their last known figures: the same sample seen again is not
    /// a new one (no rate of zero from two equal counters).
    func testAStaleHostKeepsItsLastRates() {
        let before = Self.model(samples: Self.lostAt + 1).entries[Fixtures.id(12)]!
        let after = Self.model(samples: Self.lostAt + 9).entries[Fixtures.id(12)]!
        XCTAssertGreaterThan(after.cpuPercent, 0)
        XCTAssertEqual(after.cpuPercent, before.cpuPercent)
        XCTAssertEqual(after.cpuHistory.count, before.cpuHistory.count)
    }

    func testQualifiedServiceNames() {
        XCTAssertEqual(FleetSnapshot.qualified("b", "web"), "b/web")
        XCTAssertEqual(FleetSnapshot.split("b/web")?.host, "b")
        XCTAssertEqual(FleetSnapshot.split("b/web")?.service, "web")
        XCTAssertNil(FleetSnapshot.split("web"))
    }

    /// What a host sends is hostile: a container name or an ssh message with escape sequences
    /// reaches the screen as printable text, never as terminal control.
    func testHostileTextFromAHostIsNotTerminalControl() {
        var evil = Self.hostC
        evil[0].name = "x\u{1b}]0;owned\u{07}\u{1b}[2J"
        var c = Self.state("c", evil, k: 3, cpuShare: 10)
        c.unreachableSince = c.lastLine
        c.problem = "gone\u{1b}[31m\r\n"
        let snap = FleetSnapshot.merge([("a", Self.state("a", Self.hostA, k: 3, cpuShare: 10)), ("c", c)], now: Fixtures.t0)
        var m = DashboardModel(size: TerminalSize(columns: 120, rows: 40), now: Fixtures.t0)
        _ = m.update(.snapshot(snap))
        let screen = Golden.render(m).text()
        XCTAssertFalse(screen.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, screen)
    }

    /// Actions go to the container's host as `berth --context HOST VERB`; scaling `HOST/SERVICE`
    /// scales SERVICE there. The streams here are real processes writing stream lines.
    func testActionsGoToTheOwningHost() throws {
        let calls = Mutex<[[String]]>([])
        let fleet = FleetEngine(hosts: try ["a", "b"].map { name in
            let infos = name == "a" ? Self.hostA : Self.hostB
            return FleetEngine.Host(name: name, connection: StreamConnection(argv: try Self.fakeStream(name, infos), staleAfter: 30))
        }, run: { host, args in
            calls.withLock { $0.append([host] + args) }
            return "{}"
        })
        fleet.start()
        defer { fleet.stop() }
        let deadline = Date().addingTimeInterval(20)
        while fleet.snapshot(now: Date()).containers.count < 6 && Date() < deadline { usleep(50_000) }
        XCTAssertEqual(fleet.snapshot(now: Date()).containers.count, 6, "both fake hosts streamed their containers")

        let outcome = ActionRunner.run(.stop(id: Fixtures.id(12), name: "cache"), engine: fleet, actions: DashboardActions())
        XCTAssertNil(outcome.error)
        try fleet.scale("a/web", to: 3)
        _ = try fleet.inspectDocument(Fixtures.id(1))
        // Live limits (`u`) go to the container's host as `berth update` flags it parses back.
        var change = ContainerUpdate()
        change.memory = 64 << 20
        change.cpus = 0.5
        change.pidsLimit = 50
        change.restartPolicy = .onFailure(maxRetries: 3)
        try fleet.update(Fixtures.id(12), change)
        XCTAssertEqual(calls.withLock { $0 }, [["b", "stop", "-t", "10", Fixtures.id(12)], ["a", "scale", "web=3"],
                                               ["a", "inspect", Fixtures.id(1)],
                                               ["b", "update", "--memory", "67108864", "--cpus", "0.5", "--pids-limit", "50",
                                                "--restart", "on-failure:3", Fixtures.id(12)]])
        XCTAssertThrowsError(try fleet.processSamples(Fixtures.id(12))) { e in
            XCTAssertTrue("\(e)".contains("berth --context b top \(Fixtures.id(12))"), "\(e)")
        }
        XCTAssertThrowsError(try fleet.scale("z/web", to: 1), "a host the dashboard does not have")
        XCTAssertThrowsError(try fleet.start("0000"), "a container on no host")
    }

    /// A `/bin/sh` that writes a hello, one snapshot and `events`, then waits for EOF as
    /// `system stream` does.
    static func fakeStream(_ name: String, _ infos: [ContainerInfo], events: [Event] = []) throws -> [String] {
        let enc = StreamProtocol.encoder()
        let hello = String(decoding: try enc.encode(StreamHello(berth: "0.1.0", host: name, interval: 1)), as: UTF8.self)
        let snap = state(name, infos, k: 2, cpuShare: 10).snapshot!
        let lines = [String(decoding: try enc.encode(snap), as: UTF8.self)]
            + (try events.map { String(decoding: try enc.encode(StreamEvent(event: $0)), as: UTF8.self) })
        func q(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return ["/bin/sh", "-c", "printf '%s\\n' \(q(hello)) \(lines.map(q).joined(separator: " ")); cat >/dev/null"]
    }

    /// The events view over several hosts: what each host's stream carries, merged by time, each
    /// container named HOST/NAME with its host as an attribute.
    func testEventsOfEveryHostAreMergedByTime() throws {
        func event(_ t: Int64, _ action: String, _ id: Int, _ name: String) -> Event {
            Event(time: t * 1_000_000_000, action: action, id: Fixtures.id(id), name: name, attributes: ["image": "busybox"])
        }
        let fleet = FleetEngine(hosts: [
            FleetEngine.Host(name: "a", connection: StreamConnection(argv: try Self.fakeStream("a", Self.hostA, events: [
                event(2, "start", 1, "web-1"), event(5, "die", 1, "web-1")]), staleAfter: 30)),
            FleetEngine.Host(name: "b", connection: StreamConnection(argv: try Self.fakeStream("b", Self.hostB, events: [
                event(3, "oom", 12, "cache")]), staleAfter: 30)),
        ], run: { _, _ in "" })
        fleet.start()
        defer { fleet.stop() }
        let feed = try XCTUnwrap(fleet.eventFeed())
        var seen = feed.open(replay: true)
        let deadline = Date().addingTimeInterval(20)
        while seen.count < 3 && Date() < deadline {
            usleep(50_000)
            seen += feed.poll()
        }
        // Each poll is merged by time; the hosts' lines may come in different polls.
        seen.sort { $0.time < $1.time }
        XCTAssertEqual(seen.map { "\($0.time / 1_000_000_000) \($0.action) \($0.name) \($0.attributes["host"] ?? "-")" },
                       ["2 start a/web-1 a", "3 oom b/cache b", "5 die a/web-1 a"])
        XCTAssertEqual(feed.poll(), [], "each event is handed over once")

        let merged = FleetEventFeed.merge([("a", [event(2, "start", 1, "x"), event(4, "die", 1, "x")]),
                                           ("b", [event(1, "create", 2, "y"), event(4, "start", 2, "y")])])
        XCTAssertEqual(merged.map { "\($0.time / 1_000_000_000) \($0.name)" }, ["1 b/y", "2 a/x", "4 a/x", "4 b/y"],
                       "by time across hosts; equal times in host order")
    }
}
