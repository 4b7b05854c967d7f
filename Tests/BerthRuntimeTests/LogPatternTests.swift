@testable import BerthRuntime
import Foundation
import XCTest

/// `LogPattern`: text or `re:` regex, the literal pre-filter, what an invalid regex says, and a
/// regex search through a file (messages only, a step bounded however slow the pattern).
final class LogPatternTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try XCTUnwrap(String(validatingCString: mkdtemp(strdup(NSTemporaryDirectory() + "berth-logpattern-XXXXXX"))))
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func writeLog(_ count: Int, text: (Int) -> String) throws -> String {
        let path = dir + "/c.log"
        var out = ""
        for i in 0..<count {
            out += Timestamp(unixNanoseconds: LogSearchTests.base + Int64(i) * 1_000_000_000).rfc3339 + " stdout F \(text(i))\n"
        }
        try out.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    func testTheTermSaysTextOrRegex() {
        XCTAssertEqual(LogPattern(term: "re:a.b"), .regex("a.b"))
        XCTAssertEqual(LogPattern(term: "a.b"), .text("a.b"))
        XCTAssertEqual(LogPattern(term: " re:x"), .text(" re:x"), "only a leading re: makes a regex")
        XCTAssertTrue(LogPattern(term: "re:").isEmpty)
    }

    func testTheRequiredLiteral() {
        let cases: [(String, String)] = [
            ("timeout after [0-9]+s", "timeout after "),
            ("Time(out|d out)", ""),            // alternation anywhere: none
            ("a\\|b", "a|b"),                    // an escaped bar is a character
            ("colou?r", "colo"),
            ("ab*cdef", "cdef"),
            ("(foo)?barbaz", "barbaz"),
            ("x\\.y{2}", "x."),
            ("[abc]]def", "]def"),              // "]" after a bracket expression is a character
            ("[]a]bcd", "bcd"),
            ("[[:alpha:]]+ ERROR:", " error:"),
            ("\\w+panic\\b", "panic"),
            ("^.*$", ""),
            ("éclair", "clair"),                // the pre-filter folds ASCII only
            ("go+d", "go"),
        ]
        for (p, want) in cases {
            XCTAssertEqual(String(decoding: RegexLiteral.required(in: p), as: UTF8.self), want, p)
        }
    }

    func testAMatcherMatchesTheWayTheRegexDoes() throws {
        let m = try LogPattern(term: "re:time(out|d out) after [0-9]+S").matcher()
        XCTAssertTrue(m.matches("request TIMED OUT after 30s"))
        XCTAssertTrue(m.matches("timeout after 5s"))
        XCTAssertFalse(m.matches("timed out after s"))
        let anchored = try LogPattern(term: "re:^line 12$").matcher()
        XCTAssertTrue(anchored.matches("line 12"))
        XCTAssertFalse(anchored.matches("line 123"))
        XCTAssertFalse(anchored.matches("a line 12"))
        let nul = try LogPattern(term: "re:after nul$").matcher()
        XCTAssertTrue(nul.matches("a\u{0} after NUL"), "the text after a NUL in a log is searched too")
        XCTAssertTrue(try LogPattern(term: "Needle").matcher().matches("the NEEDLE"))
        XCTAssertTrue(try LogPattern(term: "re:^$").matcher().matches(""))
    }

    func testAnInvalidRegexSaysWhyOnOneLine() {
        for (term, start) in [("re:a(", "invalid regex 'a(': "), ("re:[\u{1b}[31m", "invalid regex '[\\x1b[31m': "),
                              ("re:x{2,1}", "invalid regex 'x{2,1}': ")] {
            XCTAssertThrowsError(try LogPattern(term: term).matcher(), term) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix(start), text)
                XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, text)
            }
        }
        XCTAssertThrowsError(try LogPattern(term: "re:(a*)*\\1").matcher()) { error in
            XCTAssertEqual(error as? LogPatternError, .backReference(pattern: "(a*)*\\1"))
        }
        XCTAssertThrowsError(try LogPattern(term: "re:").matcher()) { error in
            XCTAssertEqual(error as? LogPatternError, .empty)
        }
        XCTAssertThrowsError(try LogSearch(path: "/nonexistent", term: "re:(", from: 0, direction: .forward, limit: 1))
    }

    func testARegexSearchMatchesMessagesNotHeadersBothWays() throws {
        let path = try writeLog(30_000) { i in i == 7 || i == 29_000 ? "GET /x took 1234ms" : "GET /x took \(i % 100)ms" }
        let end = LogReader(path: path).recordsEnd
        for term in ["re:took [0-9]{4}ms", "re:took ....ms$"] {
            let back = try LogSearch(path: path, term: term, from: end, direction: .backward, limit: end)
            let forward = try LogSearch(path: path, term: term, from: 0, direction: .forward, limit: end)
            let found = [back, forward].map { s -> LogSearch.Step in
                var step = s.step(maxBytes: 64 << 10)
                while case .progress = step { step = s.step(maxBytes: 64 << 10) }
                return step
            }
            let reader = LogReader(path: path)
            for (step, want) in zip(found, [29_000, 7]) {
                guard case .found(let at) = step else { XCTFail("\(term): \(step)"); continue }
                let page = reader.page(after: at, lines: 1, limit: end)
                XCTAssertEqual(page.lines.first?.text, "GET /x took 1234ms", "\(term): record \(want)")
                XCTAssertEqual(page.start, at)
            }
        }
        // Every record's header says "stdout": a regex sees only messages.
        let header = try LogSearch(path: path, term: "re:^stdout", from: 0, direction: .forward, limit: end)
        var step = header.step()
        while case .progress = step { step = header.step() }
        XCTAssertEqual(step, .notFound)
        XCTAssertEqual(header.bytesScanned, end)
    }

    /// However slow the regex, a step past its time limit ends after one block, so the caller
    /// (the dashboard's sampler) gets control back and can stop it.
    func testASlowRegexStepEndsAfterOneBlock() throws {
        let line = String(repeating: "a", count: 500)
        let path = try writeLog(8000) { _ in line }
        let end = LogReader(path: path).recordsEnd
        let s = try LogSearch(path: path, term: "re:(a|aa)*(b|c)$", from: 0, direction: .forward, limit: end)
        guard case .progress(let share) = s.step(maxBytes: .max, maxSeconds: 0) else { return XCTFail("finished in one step") }
        XCTAssertLessThan(share, 0.1)
        XCTAssertGreaterThan(s.bytesScanned, 0)
        XCTAssertLessThanOrEqual(s.bytesScanned, Int64(LogSearch.regexBlockSize))
    }
}
