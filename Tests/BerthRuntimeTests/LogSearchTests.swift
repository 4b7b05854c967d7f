@testable import BerthRuntime
import Foundation
import XCTest

/// `LogReader`'s pages by byte offset and `LogSearch`, on files written as the supervisor writes.
final class LogSearchTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try XCTUnwrap(String(validatingCString: mkdtemp(strdup(NSTemporaryDirectory() + "berth-logsearch-XXXXXX"))))
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    static let base: Int64 = 1_795_910_400 * 1_000_000_000

    /// `count` records, one a second from `base`, text `line N` (and `extra(N)` after it).
    func writeLog(_ count: Int, extra: (Int) -> String = { _ in "" }) throws -> String {
        let path = dir + "/c.log"
        var text = ""
        for i in 0..<count {
            text += Timestamp(unixNanoseconds: Self.base + Int64(i) * 1_000_000_000).rfc3339 + " stdout F line \(i)\(extra(i))\n"
        }
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    func testPagesBeforeAndAfterJoinWithoutGapsOrRepeats() throws {
        let path = try writeLog(10_000)
        let r = LogReader(path: path)
        let end = r.recordsEnd
        var texts: [String] = []
        var at = end
        // Backwards from the end, 700 lines at a time, to the file's start.
        while at > 0 {
            let p = r.page(before: at, lines: 700)
            XCTAssertEqual(p.end, at)
            XCTAssertLessThan(p.start, at, "each page moves back")
            texts.insert(contentsOf: p.lines.map(\.text), at: 0)
            at = p.start
        }
        XCTAssertEqual(texts, (0..<10_000).map { "line \($0)" })
        // Forwards from the start.
        var forward: [String] = []
        at = 0
        while at < end {
            let p = r.page(after: at, lines: 900, limit: end)
            XCTAssertEqual(p.lines.count, min(900, 10_000 - forward.count))
            forward += p.lines.map(\.text)
            at = p.end
        }
        XCTAssertEqual(forward, texts)
    }

    func testSkippingCountsBackFromAnEnd() throws {
        let path = try writeLog(1000)
        let r = LogReader(path: path)
        let p = r.page(before: r.recordsEnd, skipping: 100, lines: 50)
        XCTAssertEqual(p.lines.map(\.text), (850..<900).map { "line \($0)" })
    }

    func testPagingLeavesTheFollowStateAlone() throws {
        let path = try writeLog(100)
        let r = LogReader(path: path)
        XCTAssertEqual(r.lines(LogReader.Window(tail: 10), flushPartials: false).count, 10)
        let before = r.position
        _ = r.page(before: r.readStart, lines: 20)
        XCTAssertEqual(r.position, before)
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        h.seekToEndOfFile()
        h.write(Data((Timestamp(unixNanoseconds: Self.base).rfc3339 + " stdout F new\n").utf8))
        try h.close()
        XCTAssertEqual(r.poll().map(\.text), ["new"], "the tail goes on where it was")
    }

    func testSearchFindsATermOnlyInTheFirstLinesWithProgress() throws {
        let path = try writeLog(50_000) { $0 == 3 ? " the NEEDLE is here" : " hay" }
        let r = LogReader(path: path)
        let s = try LogSearch(path: path, term: "needle", from: r.recordsEnd, direction: .backward, limit: r.recordsEnd)
        var shares: [Double] = []
        var result: LogSearch.Step = .notFound
        while true {
            let step = s.step(maxBytes: 64 << 10)
            guard case .progress(let share) = step else { result = step; break }
            shares.append(share)
        }
        XCTAssertGreaterThan(shares.count, 3, "a large range goes in steps")
        XCTAssertEqual(shares, shares.sorted(), "progress only grows")
        guard case .found(let at) = result else { return XCTFail("not found: \(result)") }
        XCTAssertEqual(r.page(after: at, lines: 1, limit: r.recordsEnd).lines.first?.text, "line 3 the NEEDLE is here")
    }

    func testSearchForwardFindsTheNearestHit() throws {
        let path = try writeLog(2000) { $0 % 500 == 7 ? " mark" : "" }
        let r = LogReader(path: path)
        let from = r.page(before: r.recordsEnd, lines: 1500).start // line 500
        let s = try LogSearch(path: path, term: "MARK", from: from, direction: .forward, limit: r.recordsEnd)
        guard case .found(let at) = s.step() else { return XCTFail("no hit") }
        XCTAssertEqual(r.page(after: at, lines: 1, limit: r.recordsEnd).lines.first?.text, "line 507 mark")
        let back = try LogSearch(path: path, term: "mark", from: from, direction: .backward, limit: r.recordsEnd)
        guard case .found(let b) = back.step() else { return XCTFail("no hit backwards") }
        XCTAssertEqual(r.page(after: b, lines: 1, limit: r.recordsEnd).lines.first?.text, "line 7 mark")
    }

    /// Every record's header holds "stdout" and the date: neither is a match in the text.
    func testTheHeaderIsNotSearchedAndAbsentTermsEnd() throws {
        let path = try writeLog(3000)
        let r = LogReader(path: path)
        for term in ["stdout", "2026-11", "absent term"] {
            let s = try LogSearch(path: path, term: term, from: r.recordsEnd, direction: .backward, limit: r.recordsEnd)
            var step = s.step(maxBytes: 16 << 10)
            while case .progress = step { step = s.step(maxBytes: 16 << 10) }
            XCTAssertEqual(step, .notFound, term)
            XCTAssertEqual(s.bytesScanned, r.recordsEnd, "the whole file was scanned for \(term)")
        }
    }

    /// Hostile bytes: a term with regex and escape characters is plain text; lines of garbage and
    /// a record without a header are no hits.
    func testHostileTermsAndGarbageLines() throws {
        let path = dir + "/c.log"
        let stamp = Timestamp(unixNanoseconds: Self.base).rfc3339
        try ("garbage .* here\n" + "\(stamp) stdin F .* not a stream\n" + "\(stamp) stderr F real .* \u{1b}[31m\n").write(toFile: path, atomically: false, encoding: .utf8)
        let r = LogReader(path: path)
        let s = try LogSearch(path: path, term: ".*", from: 0, direction: .forward, limit: r.recordsEnd)
        guard case .found(let at) = s.step() else { return XCTFail("no hit") }
        XCTAssertEqual(r.page(after: at, lines: 1, limit: r.recordsEnd).lines.first?.text, "real .* \u{1b}[31m")
        XCTAssertThrowsError(try LogSearch(path: dir + "/missing", term: "x", from: 0, direction: .forward, limit: 1))
    }
}
