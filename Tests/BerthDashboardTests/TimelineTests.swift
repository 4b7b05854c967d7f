import BerthOS
import BerthRuntime
@testable import BerthDashboard
import XCTest

/// The per-container timeline (Model/Timeline.swift): a pure reducer over journal events and the
/// samples' OOM counters, shown as History facts in the detail pane and `loop×N` in the table.
final class TimelineTests: XCTestCase {
    static let id = Fixtures.id(1)
    /// Nanoseconds of the fixtures' clock (`Fixtures.t0`) plus `seconds`.
    static func at(_ seconds: Double) -> Int64 { Int64((Fixtures.t0.timeIntervalSince1970 + seconds) * 1e9) }

    static func event(_ action: String, _ seconds: Double, id: String = id, _ attributes: [String: String] = [:]) -> Event {
        Event(time: at(seconds), action: action, id: id, name: "looper", attributes: attributes.merging(["name": "looper"]) { a, _ in a })
    }

    /// create, start, then `n` exits with code 1 each followed by the restart policy's start.
    static func crashLoop(_ n: Int, from: Double = -50, every: Double = 2) -> [Event] {
        var out = [event("create", from - 1), event("start", from)]
        for i in 0..<n {
            let t = from + Double(i) * every
            out += [event("die", t + 0.5, ["exitCode": "1"]), event("start", t + 1)]
        }
        return out
    }

    func testACrashLoopIsOneRepeatedEntryAndCountsRestartsInTheLastMinute() {
        var t = Timelines()
        Self.crashLoop(4).forEach { t.apply($0) }
        let entries = t[Self.id]!.newestFirst
        XCTAssertEqual(entries.map(\.kind), [.exited(code: 1, signal: nil, oom: false, restarted: true), .started, .created])
        XCTAssertEqual(entries[0].count, 4)
        XCTAssertEqual(entries[0].firstTime, Self.at(-49.5))
        XCTAssertEqual(entries[0].time, Self.at(-43.5))
        XCTAssertTrue(entries[0].isProblem)
        XCTAssertEqual(t.crashLoop(Self.id, now: Self.at(0)), 4)
        // Restarts older than a minute do not count; two are not a loop.
        XCTAssertEqual(t.crashLoop(Self.id, now: Self.at(14)), 2 >= Timelines.loopThreshold ? 2 : nil)
        XCTAssertNil(t.crashLoop(Self.id, now: Self.at(120)))
        XCTAssertNil(t.crashLoop("nosuch", now: Self.at(0)))
    }

    func testStartsAfterAStopAreNotRestartsByThePolicy() {
        var t = Timelines()
        t.apply(Self.event("create", -10)); t.apply(Self.event("start", -9))
        // `berth restart` three times: kill, die, stop, start, restart.
        for i in 0..<3 {
            let s = -8 + Double(i)
            for e in [Self.event("kill", s, ["signal": "15"]), Self.event("die", s + 0.1, ["exitCode": "0"]),
                      Self.event("stop", s + 0.2), Self.event("start", s + 0.3), Self.event("restart", s + 0.4)] { t.apply(e) }
        }
        XCTAssertNil(t.crashLoop(Self.id, now: Self.at(0)), "manual restarts are no crash loop")
        XCTAssertEqual(t[Self.id]!.newestFirst.prefix(5).map(\.kind),
                       [.restartedByUser, .started, .stopped, .exited(code: 0, signal: nil, oom: false, restarted: false), .restartedByUser])
    }

    func testTheSupervisorsOOMEventMarksTheExitAndAbsorbsTheCountersRise() {
        var t = Timelines()
        t.observe(oomKills: 0, of: Self.id, at: Self.at(-20))
        t.apply(Self.event("start", -19))
        t.apply(Self.event("oom", -10))
        t.apply(Self.event("die", -10, ["exitCode": "137", "signal": "9"]))
        t.apply(Self.event("start", -9))
        // The counter rose by the init's kill, which the oom event already told: no child entry.
        t.observe(oomKills: 1, of: Self.id, at: Self.at(-8))
        XCTAssertEqual(t[Self.id]!.newestFirst.map(\.kind),
                       [.exited(code: 137, signal: 9, oom: true, restarted: true), .started])
    }

    func testAChildKilledForMemoryWhileTheInitLivesOnIsAnEntry() {
        var t = Timelines()
        t.apply(Self.event("start", -30))
        t.observe(oomKills: 0, of: Self.id, at: Self.at(-20))
        t.observe(oomKills: 0, of: Self.id, at: Self.at(-19))
        t.observe(oomKills: 2, of: Self.id, at: Self.at(-18))
        t.observe(oomKills: 2, of: Self.id, at: Self.at(-17))
        t.observe(oomKills: 3, of: Self.id, at: Self.at(-16))
        XCTAssertEqual(t[Self.id]!.newestFirst.map(\.kind), [.childOOM(kills: 1), .childOOM(kills: 2), .started])
        XCTAssertEqual(t[Self.id]!.newestFirst[0].time, Self.at(-16))
        // A container first seen with kills (they happened before the dashboard opened) shows them once.
        var fresh = Timelines()
        fresh.observe(oomKills: 1, of: "other", at: Self.at(0))
        fresh.observe(oomKills: 1, of: "other", at: Self.at(1))
        XCTAssertEqual(fresh["other"]!.newestFirst.map(\.kind), [.childOOM(kills: 1)])
        // Containers with no kills and no events cost no timeline.
        fresh.observe(oomKills: 0, of: "quiet", at: Self.at(0))
        XCTAssertNil(fresh["quiet"])
    }

    func testUpdatePauseRenameAndDestroy() {
        var t = Timelines()
        // A label that happens to be called like a setting is not one; a label is any other key.
        t.apply(Self.event("update", -5, ["memory": "67108864", "cpus": "0.5", "tier": "front", "image": "busybox"]))
        t.apply(Self.event("pause", -4)); t.apply(Self.event("unpause", -3))
        t.apply(Self.event("rename", -2, ["oldName": "old"]))
        XCTAssertEqual(t[Self.id]!.newestFirst.map(\.kind),
                       [.renamed(from: "old"), .unpaused, .paused, .updated(settings: ["cpus=0.5", "memory=67108864"])])
        XCTAssertEqual(TimelineText.describe(.updated(settings: ["cpus=0.5", "memory=67108864"])), "updated cpus 0.5, memory 64M")
        // Health changes, as the supervisor journals them; repeats collapse like other entries.
        t.apply(Self.event("health_status: healthy", -1.8)); t.apply(Self.event("health_status: unhealthy", -1.5))
        t.apply(Self.event("health_status: unhealthy", -1.2))
        let newest = t[Self.id]!.newestFirst
        XCTAssertEqual(newest.prefix(2).map(\.kind), [.health("unhealthy"), .health("healthy")])
        XCTAssertEqual(newest.first?.count, 2)
        XCTAssertTrue(newest[0].isProblem)
        XCTAssertFalse(newest[1].isProblem)
        XCTAssertEqual(TimelineText.describe(.health("unhealthy")), "unhealthy")
        t.apply(Self.event("destroy", -1))
        XCTAssertNil(t[Self.id], "a removed container's history goes with it")
    }

    func testEntriesAreBounded() {
        var t = Timelines()
        for i in 0..<1000 { t.apply(Self.event(i % 2 == 0 ? "pause" : "unpause", Double(i))) }
        XCTAssertLessThanOrEqual(t[Self.id]!.entries.count, ContainerTimeline.capacity * 2)
        XCTAssertEqual(t[Self.id]!.newestFirst.count, ContainerTimeline.capacity)
        XCTAssertEqual(t[Self.id]!.newestFirst[0].kind, .unpaused)
    }

    // MARK: - In the dashboard

    /// A model of one restarting container that has seen `events` and two samples.
    func model(_ events: [Event], status: ContainerStatus = .restarting) -> DashboardModel {
        let infos = [Fixtures.container(1, "looper", status: status, restarts: 4)]
        var m = Fixtures.model(infos, samples: 1)
        _ = m.update(.journal(events))
        _ = m.update(.snapshot(Fixtures.snapshot(infos, k: 0)))
        return m
    }

    /// The screen with the detail pane focused and scrolled to its end, where the history is.
    func historyScreen(_ model: DashboardModel) -> String {
        var m = model
        m.press(.char("2"), .end, .end, .end)
        return Golden.render(m).text()
    }

    func testTheTableMarksACrashLoopAndTheDetailTellsItsHistory() {
        let m = model(Self.crashLoop(4))
        XCTAssertEqual(m.crashLoop(Self.id), 4)
        let screen = Golden.render(m).text()
        XCTAssertTrue(screen.contains("loop×4"), screen)
        XCTAssertTrue(screen.contains("Loop      crash-looping: 4 restarts in 60 s"), screen)
        XCTAssertTrue(historyScreen(m).contains("History   11:59:10–11:59:16 exit 1, restarted ×4"), historyScreen(m))
        // A minute later without new restarts the mark goes.
        var later = m
        _ = later.update(.snapshot(Fixtures.snapshot([Fixtures.container(1, "looper", status: .restarting, restarts: 4)], k: 60)))
        XCTAssertNil(later.crashLoop(Self.id))
        XCTAssertFalse(Golden.render(later).text().contains("loop×"))
    }

    func testASamplesRisingOOMCounterReachesTheHistory() {
        let infos = [Fixtures.container(1, "leaky")]
        var m = Fixtures.model(infos, samples: 2)
        var next = Fixtures.snapshot(infos, k: 2)
        next.stats[0].oomKills = 1
        _ = m.update(.snapshot(next))
        XCTAssertEqual(m.timelines[Self.id]?.newestFirst.map(\.kind), [.childOOM(kills: 1)])
        let screen = historyScreen(m)
        XCTAssertTrue(screen.contains("History   12:00:02 child OOM-killed, PID 1 lives on"), screen)
    }

    func testAContainerNoLongerListedLosesItsTimeline() {
        var m = model(Self.crashLoop(1) + [Self.event("start", -1, id: Fixtures.id(9))])
        XCTAssertNil(m.timelines[Fixtures.id(9)], "not listed by the snapshot after its events: removed")
        XCTAssertNotNil(m.timelines[Self.id])
        _ = m.update(.snapshot(Fixtures.snapshot([], k: 3)))
        XCTAssertNil(m.timelines[Self.id])
    }

    /// Hostile: what a journal line carries (a renamed-from name, an update value) reaches the
    /// screen with its control characters blanked, never as escape sequences.
    func testJournalTextCannotDriveTheTerminal() {
        let m = model([Self.event("rename", -2, ["oldName": "x\u{1b}[2J\u{7}y"]),
                       Self.event("update", -1, ["cpusetCpus": "0\u{1b}]0;pwned\u{7}"])], status: .running)
        let screen = historyScreen(m)
        XCTAssertTrue(screen.contains("renamed from x"), screen)
        XCTAssertFalse(screen.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, screen)
    }

    func testTimelineGolden() {
        var events = Self.crashLoop(3, from: -40, every: 3)
        events += [Self.event("oom", -20), Self.event("die", -20, ["exitCode": "137", "signal": "9"]), Self.event("start", -19)]
        events += [Self.event("update", -10, ["memory": "16777216", "pidsLimit": "50"]), Self.event("pause", -5), Self.event("unpause", -4)]
        var m = model(events)
        m.press(.char("2"), .end, .end) // the detail focused, its facts scrolled to the history
        Golden.assertScreen(m, "timeline-120x40")
    }
}

/// The sampler reads the journal: the stored events once at start, then only what was appended.
final class SamplerJournalTests: XCTestCase {
    static func line(_ action: String, _ n: Int) -> String {
        "{\"time\":\(1_795_953_600_000_000_000 + n),\"type\":\"container\",\"action\":\"\(action)\",\"id\":\"\(Fixtures.id(1))\",\"name\":\"web\",\"attributes\":{\"name\":\"web\"}}\n"
    }

    /// Waits (up to 20 s, the sampler ticks every 0.1 s) for the next batch of journal events.
    func nextJournal(_ mailbox: Mailbox) -> [Event]? {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            for case .journal(let events) in mailbox.drain() { return events }
            usleep(20_000)
        }
        return nil
    }

    func testReplaysOnceThenReadsOnlyWhatIsAppended() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("berth-journal-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A torn line in the middle is skipped, not the end of the replay.
        try (Self.line("create", 1) + "{\"time\":12,\"ty\n" + Self.line("start", 2)).write(toFile: dir + "/journal", atomically: true, encoding: .utf8)
        let engine = FakeEngine(containers: [Fixtures.container(1, "web")])
        engine.journalDirectory = dir
        let mailbox = Mailbox()
        let sampler = Sampler(engine: engine, mailbox: mailbox, interval: 0.1)
        sampler.start()
        defer { sampler.stop() }
        XCTAssertEqual(nextJournal(mailbox)?.map(\.action), ["create", "start"], "the replay")
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: dir + "/journal"))
        h.seekToEndOfFile()
        h.write(Data((Self.line("die", 3) + Self.line("start", 4)).utf8))
        try h.close()
        XCTAssertEqual(nextJournal(mailbox)?.map(\.action), ["die", "start"], "only the appended events")
    }
}
