@testable import BerthOS
@testable import BerthRuntime
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The event journal's writer, reader, rotation, line format and filters, in a temp directory.
final class EventJournalTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "berth-events-\(getpid())-\(UUID().uuidString.prefix(8))"
        XCTAssertEqual(mkdir(dir, 0o700), 0)
    }

    override func tearDown() {
        try? FileIO.removeTree(dir)
        super.tearDown()
    }

    private func lines(_ path: String) -> [String] {
        (FileIO.readString(path) ?? "").split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// 8 threads append 500 events each at once: every line is whole and each event is there once.
    func testConcurrentAppendsNeverInterleave() {
        let journal = EventJournal(directory: dir + "/events")
        let actor = EventLine.actor(name: "web", attributes: ["image": "busybox"], labels: ["padding": String(repeating: "x", count: 900)])
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for i in 0..<500 { journal.append(action: "start", id: "t\(thread)-\(i)", actor: actor) }
        }
        let all = lines(journal.path)
        XCTAssertEqual(all.count, 4000)
        let events = all.compactMap { Event.parse(Array($0.utf8)) }
        XCTAssertEqual(events.count, 4000, "every line parses")
        XCTAssertEqual(Set(events.map(\.id)).count, 4000, "no event lost or duplicated")
        var st = stat()
        XCTAssertEqual(stat(journal.path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
    }

    /// Rotation keeps two generations and a follower polling between appends sees every event
    /// exactly once, across rotations.
    func testRotationKeepsTwoGenerationsAndFollowersLoseNothing() throws {
        let journal = EventJournal(directory: dir + "/events", maxBytes: 1000)
        let reader = EventReader(journal: journal)
        XCTAssertEqual(reader.open(replay: true), [])
        let actor = EventLine.actor(name: "c", attributes: ["image": "i"], labels: [:])
        var seen: [String] = []
        for i in 0..<200 {
            journal.append(action: "create", id: "id\(i)", actor: actor)
            if i % 3 == 0 { seen += reader.poll().map(\.id) }
        }
        seen += reader.poll().map(\.id)
        XCTAssertEqual(seen, (0..<200).map { "id\($0)" })
        let current = lines(journal.path), previous = lines(journal.previousPath)
        XCTAssertFalse(previous.isEmpty, "rotated at least once")
        XCTAssertLessThanOrEqual(FileIO.read(journal.previousPath)?.count ?? 0, 1000 + EventLine.maxBytes)
        // A replay reads the previous generation, then the current file: the newest events, in order.
        let replay = EventReader(journal: journal).open(replay: true).map(\.id)
        XCTAssertEqual(replay.count, current.count + previous.count)
        XCTAssertEqual(replay, (200 - replay.count..<200).map { "id\($0)" })
    }

    /// Concurrent writers past the rotation size: each generation holds whole lines, and what
    /// both generations hold is the newest events with none twice.
    func testConcurrentRotationNeverLosesTheNewestGeneration() {
        let journal = EventJournal(directory: dir + "/events", maxBytes: 20_000)
        let actor = EventLine.actor(name: "c", attributes: ["image": "i"], labels: [:])
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for i in 0..<300 { journal.append(action: "die", id: "t\(thread)-\(i)", actor: actor, extra: ["exitCode": "0"]) }
        }
        let kept = EventReader(journal: journal).open(replay: true)
        let raw = lines(journal.path) + lines(journal.previousPath)
        XCTAssertEqual(kept.count, raw.count, "every kept line parses")
        XCTAssertEqual(Set(kept.map(\.id)).count, kept.count)
        XCTAssertGreaterThan(kept.count, 20_000 / 200, "at least a generation's worth is kept")
        // Each writer appends in order, so what is kept of it is its newest events without a
        // hole; the write that came last of all is kept (a writer that finished early may have
        // been rotated out entirely by the others).
        var lastEvents = 0
        for t in 0..<4 {
            let mine = kept.compactMap { $0.id.hasPrefix("t\(t)-") ? Int($0.id.dropFirst(3)) : nil }.sorted()
            if !mine.isEmpty {
                XCTAssertEqual(mine, Array((300 - mine.count)..<300), "writer \(t)'s kept events are its newest, without a hole")
            }
            if mine.last == 299 { lastEvents += 1 }
        }
        XCTAssertGreaterThan(lastEvents, 0)
    }

    /// Names and labels with quotes, backslashes and control characters round-trip; labels too
    /// large for a line are dropped, never the event.
    func testLinesEscapeAndStayBounded() throws {
        let name = "a\"b\\c\nd\u{1}"
        let actor = EventLine.actor(name: name, attributes: ["image": "img"], labels: ["k\"": "v\t"])
        let line = EventLine.line(time: 42, type: "container", action: "die", id: "abc", actor: actor, extra: ["exitCode": "3"])
        let e = try XCTUnwrap(Event.parse(Array(line.utf8)))
        XCTAssertEqual(e, Event(time: 42, action: "die", id: "abc", name: name,
                                attributes: ["image": "img", "name": name, "k\"": "v\t", "exitCode": "3"]))
        XCTAssertFalse(line.dropLast().contains("\n"))

        let huge = EventLine.actor(name: "web", attributes: ["image": String(repeating: "i", count: 10_000)],
                                   labels: ["big": String(repeating: "x", count: 10_000)])
        XCTAssertLessThanOrEqual(huge.utf8.count, EventLine.maxActorBytes)
        let hugeLine = EventLine.line(time: 1, type: "container", action: "start", id: "x", actor: huge, extra: [:])
        let parsed = try XCTUnwrap(Event.parse(Array(hugeLine.utf8)))
        XCTAssertEqual(parsed.attributes["name"], "web")
        XCTAssertNil(parsed.attributes["big"])
    }

    /// `Event.parse` skims; it reads what `JSONDecoder` reads from every line the writer makes,
    /// and refuses what is not an event.
    func testParseReadsWhatJSONDecoderReads() throws {
        let awkward = ["", "web", "a\"b\\c", "tab\tnl\n", "\u{1B}[2J", "日本 🐳", "\u{0}", "x\u{2028}y"]
        for (i, s) in awkward.enumerated() {
            let actor = EventLine.actor(name: s, attributes: ["image": s], labels: [s + "k": s])
            let line = EventLine.line(time: Int64(i) * 1_000_000_007 - 5, type: "container", action: "die", id: "id\(i)",
                                      actor: actor, extra: ["exitCode": "\(i)"])
            let bytes = Array(line.utf8)
            let reference = try JSONDecoder().decode(Event.self, from: Data(bytes))
            XCTAssertEqual(Event.parse(bytes), reference, s.debugDescription)
        }
        for bad in [#"{"time":1.5,"type":"container","action":"a","id":"i","name":"n","attributes":{}}"#,
                    #"{"time":"1","type":"container","action":"a","id":"i","name":"n","attributes":{}}"#,
                    #"{"time":99999999999999999999,"type":"container","action":"a","id":"i","name":"n","attributes":{}}"#,
                    #"{"time":1,"type":"container","action":"a","id":"i","attributes":{}}"#,
                    #"{"time":1,"type":"container","action":"a","id":"i","name":"n","attributes":{"k":1}}"#,
                    #"{"time":1,"type":"container","action":"a","id":"i","name":"n","attributes":{}} x"#,
                    #"{"time":-,"type":"container","action":"a","id":"i","name":"n","attributes":{}}"#] {
            XCTAssertNil(Event.parse(Array(bad.utf8)), bad)
            XCTAssertNil(try? JSONDecoder().decode(Event.self, from: Data(bad.utf8)), "JSONDecoder refuses it too: \(bad)")
        }
    }

    /// A torn or foreign line is skipped; the events around it are read.
    func testReaderSkipsLinesThatAreNotEvents() throws {
        let journal = EventJournal(directory: dir + "/events")
        let actor = EventLine.actor(name: "c", attributes: ["image": "i"], labels: [:])
        journal.append(action: "create", id: "one", actor: actor)
        let fd = open(journal.path, O_WRONLY | O_APPEND)
        _ = "{\"time\":1,\"ty\nnot json\n".withCString { write(fd, $0, strlen($0)) }
        close(fd)
        journal.append(action: "start", id: "two", actor: actor)
        XCTAssertEqual(EventReader(journal: journal).open(replay: true).map(\.id), ["one", "two"])
    }

    func testFilters() throws {
        let e = Event(time: 1, action: "die", id: "0123abcd", name: "web", attributes: ["image": "busybox", "name": "web", "tier": "front"])
        func match(_ f: [String]) throws -> Bool { try EventFilter(f).matches(e) }
        XCTAssertTrue(try match([]))
        XCTAssertTrue(try match(["container=web"]))
        XCTAssertTrue(try match(["container=0123"]))
        XCTAssertFalse(try match(["container=db"]))
        XCTAssertTrue(try match(["container=db", "container=web"]), "values of one key are alternatives")
        XCTAssertFalse(try match(["container=web", "event=start"]), "different keys must all match")
        XCTAssertTrue(try match(["event=start", "event=die", "type=container"]))
        XCTAssertTrue(try match(["label=tier"]))
        XCTAssertTrue(try match(["label=tier=front"]))
        XCTAssertFalse(try match(["label=tier=back"]))
        XCTAssertThrowsError(try EventFilter(["colour=red"])) { XCTAssertTrue("\($0)".contains("invalid filter")) }
        XCTAssertThrowsError(try EventFilter(["container"]))
    }

    func testDockerShapeAndText() throws {
        let e = Event(time: 1_700_000_000_123_456_789, action: "die", id: "abc", name: "web",
                      attributes: ["exitCode": "0", "image": "busybox", "name": "web"])
        XCTAssertEqual(e.text, "2023-11-14T22:13:20.123456789Z container die abc (exitCode=0, image=busybox, name=web)")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(e.dockerValue.jsonText.utf8)) as? [String: Any])
        XCTAssertEqual(json["Action"] as? String, "die")
        XCTAssertEqual(json["from"] as? String, "busybox")
        XCTAssertEqual((json["timeNano"] as? NSNumber)?.int64Value, 1_700_000_000_123_456_789)
        XCTAssertEqual((json["time"] as? NSNumber)?.int64Value, 1_700_000_000)
        XCTAssertEqual(((json["Actor"] as? [String: Any])?["Attributes"] as? [String: String])?["exitCode"], "0")
    }

    /// `update` events say what they set (the dashboard's history shows it), one attribute per
    /// setting given, and the line still parses whole.
    func testUpdateEventsCarryTheSettingsGiven() {
        var change = ContainerUpdate()
        change.memory = 64 << 20
        change.cpus = 0.5
        change.restartPolicy = .onFailure(maxRetries: 3)
        XCTAssertEqual(change.eventAttributes, ["memory": "67108864", "cpus": "0.5", "restartPolicy": "on-failure:3"])
        let line = EventLine.line(time: 1, type: "container", action: "update", id: "abc",
                                  actor: EventLine.actor(name: "web", attributes: ["image": "busybox"], labels: [:]), extra: change.eventAttributes)
        let e = Event.parse(Array(line.utf8.dropLast()))
        XCTAssertEqual(e?.attributes["memory"], "67108864")
        XCTAssertEqual(e?.attributes["restartPolicy"], "on-failure:3")
        XCTAssertEqual(e?.attributes["name"], "web")
    }
}
