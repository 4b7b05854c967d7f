import BerthRuntime
@testable import BerthDashboard
import Foundation
import XCTest

final class LogsFeedTests: XCTestCase {
    /// The feed relies on the runtime's parser; these are the cases it depends on.
    func testCRILineParsing() throws {
        let l = try XCTUnwrap(CRILog.parse("2026-11-29T10:00:00.123456789Z stderr F oh no: it broke"))
        XCTAssertEqual(l.stream, .stderr)
        XCTAssertTrue(l.complete)
        XCTAssertEqual(l.text, "oh no: it broke")
        XCTAssertEqual(l.timestampNanos, 1_795_946_400_123_456_789)
        XCTAssertEqual(CRILog.parse("2026-11-29T10:00:00Z stdout P part")?.complete, false)
        XCTAssertEqual(CRILog.parse("2026-11-29T10:00:00Z stdout F")?.text, "")
        XCTAssertNil(CRILog.parse("garbage"))
        XCTAssertNil(CRILog.parse("2026-11-29T10:00:00Z stdin F x"))
    }

    func testFollowReadsOnlyAppendedLinesAndJoinsPartials() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("berth-log-\(getpid()).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "2026-11-29T10:00:00Z stdout F old\n".write(toFile: path, atomically: true, encoding: .utf8)
        let engine = FakeEngine(containers: [Fixtures.container(1, "web")])
        engine.setLogPath(Fixtures.id(1), path)
        engine.setLogs(Fixtures.id(1), [LogLine(timestampNanos: 0, stream: .stdout, text: "old")])
        let f = LogsFeed(engine: engine)
        XCTAssertEqual(f.follow(Fixtures.id(1)).map(\.text), ["old"])
        XCTAssertTrue(f.poll().lines.isEmpty)
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        h.seekToEndOfFile()
        h.write(Data("2026-11-29T10:00:01Z stdout P hel\n2026-11-29T10:00:01Z stdout F lo\n2026-11-29T10:00:02Z stderr F bad".utf8))
        let first = f.poll()
        XCTAssertFalse(first.reset)
        XCTAssertEqual(first.lines.map(\.text), ["hello"], "the unterminated last record waits for its newline")
        h.write(Data("\n".utf8))
        try h.close()
        let second = f.poll().lines
        XCTAssertEqual(second.map(\.text), ["bad"])
        XCTAssertEqual(second.first?.stream, .stderr)
    }

    /// The supervisor cuts a 20,000-character line into a 16 KiB P record and an F record; the
    /// pane's first tail shows it as one line.
    func testALongLineIsOneLineInTheTail() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("berth-log-long-\(getpid()).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let long = String(repeating: "x", count: 20_000)
        try ("2026-11-29T10:00:00Z stdout F first\n"
            + "2026-11-29T10:00:01Z stdout P \(long.prefix(16_384))\n"
            + "2026-11-29T10:00:01Z stdout F \(long.dropFirst(16_384))\n").write(toFile: path, atomically: true, encoding: .utf8)
        let engine = FakeEngine(containers: [Fixtures.container(1, "web")])
        engine.setLogPath(Fixtures.id(1), path)
        let f = LogsFeed(engine: engine)
        XCTAssertEqual(f.follow(Fixtures.id(1)).map(\.text), ["first", long])
        XCTAssertTrue(f.poll().lines.isEmpty)
    }

    func testWithoutALogFileTheTailIsPolled() throws {
        let engine = FakeEngine(containers: [Fixtures.container(1, "web")])
        engine.setLogs(Fixtures.id(1), Fixtures.logLines(3))
        let f = LogsFeed(engine: engine)
        XCTAssertEqual(f.follow(Fixtures.id(1)).count, 3)
        XCTAssertTrue(f.poll().lines.isEmpty)
        engine.setLogs(Fixtures.id(1), Fixtures.logLines(4))
        let p = f.poll()
        XCTAssertTrue(p.reset)
        XCTAssertEqual(p.lines.count, 4)
    }

    func testSnapshotSurvivesAFailingEngine() {
        let engine = FakeEngine(containers: Fixtures.standard)
        let ok = EngineSnapshot.take(from: engine, now: Fixtures.t0)
        XCTAssertEqual(ok.containers.count, 7)
        XCTAssertNil(ok.error)
        engine.failList = .unsupported("the state root is unreadable")
        let s = EngineSnapshot.take(from: engine, now: Fixtures.t0)
        XCTAssertEqual(s.containers.count, 0)
        XCTAssertEqual(s.stats.count, 0)
        XCTAssertEqual(s.host, Fixtures.host, "the host panel still has data")
        XCTAssertTrue(s.error?.contains("the state root is unreadable") ?? false, s.error ?? "no error")
    }

    func testWidgets() {
        XCTAssertEqual(Sparkline.render([0, 50, 100], width: 5, maximum: 100, unicode: true), "   ▄█")
        XCTAssertEqual(Sparkline.render([0, 50, 100], width: 3, maximum: 100, unicode: false), " -#")
        XCTAssertEqual(Graph.render([100, 100], width: 1, height: 2, maximum: 100, style: .braille).map(\.text), ["⣿", "⣿"])
        XCTAssertEqual(Graph.render([50], width: 1, height: 2, maximum: 100, style: .block).map(\.text), [" ", "█"])
        XCTAssertEqual(Graph.render([100], width: 1, height: 1, maximum: 100, style: .ascii).map(\.text), ["|"])
        XCTAssertEqual(Format.bytes(UInt64(1536)), "1.5K")
        XCTAssertEqual(Format.bytes(UInt64(3) << 30), "3.0G")
        XCTAssertEqual(Format.duration(3700), "1h1m")
        XCTAssertEqual(Format.dateTime(Fixtures.t0, utcOffset: 3600), "2026-11-29 13:00:00")
        XCTAssertEqual(TextWidth.fit("コンテナ", 5), "コン…")
        XCTAssertEqual(LogsPane.sanitize("\u{1b}[31mred\u{1b}[0m\tx", limit: 100), "red    x")
    }
}
