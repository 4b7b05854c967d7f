@testable import BerthRuntime
import Foundation
import XCTest

final class LogFormatTests: XCTestCase {
    func testCRILinesAsTheShimWritesThem() throws {
        let l = try XCTUnwrap(CRILog.parse("2026-11-29T10:00:00.123456789Z stdout F hello world"))
        XCTAssertEqual(l.stream, .stdout)
        XCTAssertTrue(l.complete)
        XCTAssertEqual(l.text, "hello world")
        // 2026-11-29T10:00:00Z is 1795946400 seconds after the epoch.
        XCTAssertEqual(l.timestampNanos, 1_795_946_400_123_456_789)
        let empty = try XCTUnwrap(CRILog.parse("2026-11-29T10:00:00.000000001Z stderr F "))
        XCTAssertEqual(empty.text, "")
        XCTAssertEqual(empty.stream, .stderr)
        let partial = try XCTUnwrap(CRILog.parse("2026-11-29T10:00:00.5Z stdout P abc"))
        XCTAssertFalse(partial.complete)
        XCTAssertEqual(partial.timestampNanos, 1_795_946_400_500_000_000)
        XCTAssertNil(CRILog.parse("2026-11-29T10:00:00Z stdin F x"))
        XCTAssertNil(CRILog.parse("not a log line"))
        XCTAssertNil(CRILog.parse("2026-11-29T10:00:00Z stdout X x"))
    }

    func testPartialsJoinPerStream() throws {
        let log = try TempLog("join")
        defer { log.remove() }
        try log.write("2026-11-29T10:00:00.000000001Z stdout P ab\n"
            + "2026-11-29T10:00:00.000000002Z stderr F err\n"
            + "2026-11-29T10:00:00.000000003Z stdout F cd\n")
        let joined = LogReader(path: log.path).lines()
        XCTAssertEqual(joined.map(\.text), ["err", "abcd"])
        XCTAssertEqual(joined.last?.timestampNanos, 1_795_946_400_000_000_001, "a joined line has its first record's time")
    }

    func testTailReadsOnlyTheEndOfAHugeLog() throws {
        let log = try TempLog("tail")
        defer { log.remove() }
        var text = ""
        for i in 0..<200_000 { text += "2026-11-29T10:00:00.000000000Z stdout F line \(i)\n" }
        try log.write(text)
        let reader = LogReader(path: log.path)
        XCTAssertEqual(reader.tail(3).map(\.text), ["line 199997", "line 199998", "line 199999"])
        XCTAssertLessThan(reader.stats.bytesRead, 256 << 10, "of \(text.utf8.count) bytes")
        XCTAssertEqual(LogReader(path: log.path).tail(0), [])
        XCTAssertEqual(LogReader(path: "/nonexistent/log").tail(5), [])
    }

    func testFollowerReturnsOnlyCompleteNewLines() throws {
        let log = try TempLog("follow")
        defer { log.remove() }
        try log.write("2026-11-29T10:00:00Z stdout F one\n2026-11-29T10:00:01Z stdout F tw")
        let f = LogReader(path: log.path)
        XCTAssertEqual(f.poll().map(\.text), ["one"])
        try log.append("o\n2026-11-29T10:00:02Z stdout F three\n")
        XCTAssertEqual(f.poll().map(\.text), ["two", "three"])
        XCTAssertEqual(f.poll(), [])
    }
}

/// A log file in a directory of its own under /var/tmp (`berth-test-logreader-…`), removed by `remove`.
struct TempLog {
    let directory: String
    let path: String

    /// Without a label the directory is `berth-test-logreader-PID`.
    init(_ label: String? = nil) throws {
        directory = "/var/tmp/berth-test-logreader-\(getpid())" + (label.map { "-" + $0 } ?? "")
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        path = directory + "/container.log"
    }

    func write(_ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }

    func append(_ text: String) throws {
        if !FileManager.default.fileExists(atPath: path) { try write("") }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data(text.utf8))
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}
