import BerthRuntime
@testable import BerthDashboard
import Foundation
import XCTest

/// The logs pane over a whole file: the model, and the feed the sampler thread runs, driven in
/// step (every `readLogs` effect answered at once, a search stepped by hand), on real log files.
final class LogsWindowTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try XCTUnwrap(String(validatingCString: mkdtemp(strdup(NSTemporaryDirectory() + "berth-logswindow-XXXXXX"))))
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// A line a second, the last one just before the model's clock (`Fixtures.t0`).
    static func stamp(_ i: Int, of count: Int) -> Int64 {
        (Int64(Fixtures.t0.timeIntervalSince1970) - Int64(count - i)) * 1_000_000_000
    }

    func writeLog(_ count: Int, text: (Int) -> String = { "line \($0)" }) throws -> String {
        let path = dir + "/c.log"
        var out = ""
        out.reserveCapacity(count * 60)
        for i in 0..<count {
            let stream = i % 7 == 6 ? "stderr" : "stdout"
            out += Timestamp(unixNanoseconds: Self.stamp(i, of: count)).rfc3339 + " \(stream) F \(text(i))\n"
        }
        try out.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// The model with the logs pane focused on a container whose log is `path`.
    final class Harness {
        var model = Fixtures.model()
        let feed: LogsFeed
        let id: String
        var searchStepBytes = 32 << 10
        var progress: [Double] = []
        let terminal = MemoryTerminal(columns: 120, rows: 40)

        init(path: String) {
            id = model.selectedID!
            let engine = FakeEngine(containers: Fixtures.standard)
            engine.setLogPath(id, path)
            feed = LogsFeed(engine: engine)
            let lines = feed.follow(id)
            send(.logLines(id: id, lines: lines, reset: true, extent: feed.extent))
            press(.char("3"))
        }

        func send(_ event: DashboardEvent) { run(model.update(event)) }

        func press(_ keys: Key...) { for k in keys { send(.key(k)) } }

        func command(_ line: String) {
            press(.char(":"))
            for c in line { send(.key(.char(c))) }
            press(.enter)
        }

        /// What the run loop and the sampler would do with the effects.
        func run(_ effects: [Effect]) {
            for e in effects {
                switch e {
                case .readLogs(let id, let request) where id == feed.id:
                    for event in feed.handle(request) { send(event) }
                case .writeTerminal(let bytes): terminal.write(bytes)
                default: break
                }
            }
        }

        /// Steps a running search until it ends or `limit` steps were taken; records the progress shown.
        func stepSearch(limit: Int = 100_000) {
            var n = 0
            while let s = feed.search, n < limit {
                n += 1
                guard case .progress(let share) = s.step(maxBytes: searchStepBytes) else {
                    // Let the feed report the end (it steps once more from where this left off).
                    for event in feed.stepSearch() { send(event) }
                    continue
                }
                send(.logSearch(id: id, .progress(share)))
                if let shown = model.logs.searching { progress.append(shown) }
            }
        }

        var shownTexts: [String] {
            let lines = model.logs.visibleLines
            let bottom = lines.count - 1 - model.logs.scrollFromBottom
            let top = max(0, bottom - model.layout.logRows + 1)
            return lines[top...bottom].map(\.text)
        }
    }

    // MARK: - Scrolling through the whole file

    func testScrollingUpReadsOlderLinesAndMemoryStaysBounded() throws {
        let h = Harness(path: try writeLog(20_000))
        XCTAssertEqual(h.model.logs.lines.count, LogsFeed.initialLines)
        XCTAssertEqual(h.model.logs.lines.last?.text, "line 19999")
        var largest = 0
        for _ in 0..<5000 where h.shownTexts.first != "line 0" {
            h.press(.pageUp)
            largest = max(largest, h.model.logs.lines.count)
        }
        XCTAssertEqual(h.shownTexts.first, "line 0", "paged all the way to the file's first line")
        XCTAssertLessThanOrEqual(largest, LogsState.capacity, "the held window stays bounded")
        XCTAssertFalse(h.model.logs.window!.attached, "the tail was dropped on the way up")
        XCTAssertFalse(h.model.logs.follow)
        // Back down: the dropped lines are read again, in order, and the tail joins.
        for _ in 0..<5000 where !h.model.logs.follow { h.press(.pageDown) }
        XCTAssertEqual(h.shownTexts.last, "line 19999")
        XCTAssertTrue(h.model.logs.window!.attached)
        XCTAssertTrue(h.model.logs.follow)
        let texts = h.model.logs.lines.map(\.text)
        XCTAssertEqual(texts, (20_000 - texts.count..<20_000).map { "line \($0)" }, "no line lost or doubled")
    }

    func testGGoesToTheFirstLineOfA100kLineLogAndGComesBack() throws {
        let h = Harness(path: try writeLog(100_000))
        h.press(.char("g"))
        XCTAssertEqual(h.shownTexts.first, "line 0")
        XCTAssertLessThanOrEqual(h.model.logs.lines.count, LogsState.capacity)
        let screen = MemoryTerminal(columns: 120, rows: 40)
        Renderer.render(h.model, on: screen)
        XCTAssertNotNil(screen.find(" 0% · newer below (G) "), "the position indicator says where the view is:\n\(screen.text())")
        // Appended while away: not held, but there when the view returns.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: dir + "/c.log"))
        handle.seekToEndOfFile()
        handle.write(Data((Timestamp(unixNanoseconds: Self.stamp(100_000, of: 100_000)).rfc3339 + " stdout F appended\n").utf8))
        try handle.close()
        let (new, _, extent) = h.feed.poll()
        h.send(.logLines(id: h.id, lines: new, reset: false, extent: extent))
        XCTAssertFalse(h.model.logs.lines.contains { $0.text == "appended" })
        h.press(.char("G"))
        XCTAssertEqual(h.shownTexts.last, "appended")
        XCTAssertTrue(h.model.logs.follow)
        XCTAssertTrue(h.model.logs.window!.attached)
    }

    // MARK: - Search through the file

    func testSearchFindsAHitOnlyInTheFirstLinesWithProgress() throws {
        let h = Harness(path: try writeLog(50_000) { $0 == 2 ? "the needle" : "hay \($0)" })
        h.press(.char("/"))
        "needle".forEach { h.press(.char($0)) }
        h.press(.enter)
        XCTAssertEqual(h.model.logs.searching, 0, "not among the held lines: the search goes on through the file")
        XCTAssertNotNil(h.feed.search)
        h.stepSearch()
        XCTAssertGreaterThan(h.progress.count, 5)
        XCTAssertEqual(h.progress, h.progress.sorted())
        XCTAssertNil(h.model.logs.searching)
        let hit = try XCTUnwrap(h.model.logs.matchIndex)
        XCTAssertEqual(h.model.logs.visibleLines[hit].text, "the needle")
        XCTAssertTrue(h.shownTexts.contains("the needle"), "the window moved to the hit")
        XCTAssertEqual(h.model.status?.text, "match at 0% of the log · n older, N newer")
    }

    func testTheProgressIsInThePanesStatusLineAndEscCancels() throws {
        let h = Harness(path: try writeLog(50_000) { $0 == 2 ? "the needle" : "hay \($0)" })
        h.press(.char("/"))
        "needle".forEach { h.press(.char($0)) }
        h.press(.enter)
        h.stepSearch(limit: 20)
        let share = try XCTUnwrap(h.model.logs.searching)
        let screen = MemoryTerminal(columns: 120, rows: 40)
        Renderer.render(h.model, on: screen)
        XCTAssertNotNil(screen.find("searching… \(Int(share * 100))% (Esc stops)"), screen.text())
        h.press(.escape)
        XCTAssertNil(h.model.logs.searching)
        XCTAssertNil(h.feed.search, "the sampler stopped scanning")
        XCTAssertEqual(h.model.status?.text, "search cancelled")
        // A hit already on its way is dropped.
        let page = LogPage(lines: [LogLine(timestampNanos: 0, stream: .stdout, text: "late")], start: 0, end: 10)
        h.send(.logPage(id: h.id, LogsPageRead(page: page, placement: .hit(line: 0), floor: 0, ceiling: nil, fileEnd: 10, attached: false)))
        XCTAssertFalse(h.model.logs.lines.contains { $0.text == "late" })
    }

    func testARegexSearchGoesOnThroughTheFileMatchingMessagesOnly() throws {
        // "stdout" is in every record's header, never in a message: a regex must not see headers.
        let h = Harness(path: try writeLog(50_000) { $0 == 2 ? "request timed out after 30s" : "hay \($0)" })
        h.press(.char("/"))
        "re:timed? ?out after [0-9]+s".forEach { h.press(.char($0)) }
        h.press(.enter)
        XCTAssertEqual(h.model.logs.searching, 0)
        h.stepSearch()
        let hit = try XCTUnwrap(h.model.logs.matchIndex)
        XCTAssertEqual(h.model.logs.visibleLines[hit].text, "request timed out after 30s")
        h.press(.char("/"), .ctrl("u"))
        "re:^std(out|err)".forEach { h.press(.char($0)) }
        h.press(.enter)
        h.stepSearch()
        XCTAssertEqual(h.model.status?.text, "no older match for 're:^std(out|err)' (N searches newer)")
    }

    /// A regex with no literal to skip by runs on every record, and a pathological one is slow:
    /// the sampler's steps still end after one small block, so Esc is seen between them.
    func testEscCancelsASlowRegexOnALargeFile() throws {
        let line = String(repeating: "a", count: 300)
        let h = Harness(path: try writeLog(20_000) { i in i == 0 ? "the end" : line })
        h.feed.searchStepSeconds = 0 // one block a step, however fast the machine
        h.press(.char("/"))
        "re:(a|aa|aaa)*(b|c)$".forEach { h.press(.char($0)) }
        h.press(.enter)
        XCTAssertEqual(h.model.logs.searching, 0, "goes on through the file")
        // What the sampler runs: its own step size, with the time limit.
        let events = h.feed.stepSearch()
        guard case .logSearch(_, .progress(let share))? = events.first else { return XCTFail("\(events)") }
        XCTAssertLessThan(share, 0.1, "one step read one regex block of the 7 MB")
        XCTAssertLessThanOrEqual(h.feed.search?.bytesScanned ?? .max, Int64(LogSearch.regexBlockSize))
        XCTAssertGreaterThan(h.feed.search?.bytesScanned ?? 0, 0)
        h.send(events[0])
        h.press(.escape)
        XCTAssertNil(h.model.logs.searching)
        XCTAssertNil(h.feed.search, "the sampler stopped scanning")
        XCTAssertEqual(h.model.status?.text, "search cancelled")
    }

    func testAnAbsentTermSaysSoAfterTheWholeFile() throws {
        let h = Harness(path: try writeLog(5000))
        h.press(.char("/"))
        "absent".forEach { h.press(.char($0)) }
        h.press(.enter)
        h.stepSearch()
        XCTAssertNil(h.model.logs.searching)
        XCTAssertEqual(h.model.status?.text, "no older match for 'absent' in the log (N searches newer)")
        XCTAssertEqual(h.model.status?.kind, .error)
    }

    // MARK: - Time range

    func testSinceAndUntilLimitTheView() throws {
        let count = 20_000
        let h = Harness(path: try writeLog(count))
        // The last ten minutes by the model's clock (the last sample's time).
        h.command("since 10m")
        let first = count - 600 + Int(h.model.now.timeIntervalSince(Fixtures.t0))
        XCTAssertEqual(h.model.logs.lines.first?.text, "line \(first)")
        h.press(.char("g"))
        XCTAssertEqual(h.shownTexts.first, "line \(first)", "g goes to the range's first line, not the file's")
        // An absolute window in the middle, both ends inclusive.
        h.command("since " + Timestamp(unixNanoseconds: Self.stamp(5000, of: count)).rfc3339)
        h.command("until " + Timestamp(unixNanoseconds: Self.stamp(5999, of: count)).rfc3339)
        XCTAssertEqual(h.model.logs.lines.last?.text, "line 5999")
        for _ in 0..<500 { h.press(.pageUp) }
        XCTAssertEqual(h.shownTexts.first, "line 5000")
        XCTAssertEqual(h.model.logs.lines.count, 1000)
        // Cleared: the whole file again, at its end.
        h.command("since")
        h.command("until")
        XCTAssertTrue(h.model.logs.range.isEmpty)
        XCTAssertEqual(h.model.logs.lines.last?.text, "line \(count - 1)")
        h.press(.char("g"))
        XCTAssertEqual(h.shownTexts.first, "line 0")
        h.command("since yesterday-ish")
        XCTAssertEqual(h.model.status?.kind, .error, "a bad time says so")
    }

    // MARK: - Save

    func testSaveWritesTheWholeRangeAndRefusesToOverwriteOrFollowASymlink() throws {
        let h = Harness(path: try writeLog(8000))
        h.press(.char("v")) // stdout only
        let path = dir + "/saved.txt"
        h.command("save " + path)
        let expected = (0..<8000).filter { $0 % 7 != 6 }.map { "line \($0)\n" }.joined()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), expected, "the whole file, not only the held lines")
        XCTAssertEqual(h.model.status?.text, "saved \(expected.split(separator: "\n").count) lines to \(path)")
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        XCTAssertEqual(mode & 0o777, 0o600)

        try "mine\n".write(toFile: path, atomically: false, encoding: .utf8)
        h.command("save " + path)
        XCTAssertEqual(h.model.status?.kind, .error)
        XCTAssertTrue(h.model.status!.text.contains(":save! "), h.model.status!.text)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "mine\n", "refused without !")
        h.command("save! " + path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), expected)

        let target = dir + "/target"
        try "keep\n".write(toFile: target, atomically: false, encoding: .utf8)
        let link = dir + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        for command in ["save ", "save! "] {
            h.command(command + link)
            XCTAssertEqual(h.model.status?.kind, .error)
            XCTAssertTrue(h.model.status!.text.contains("symlink"), h.model.status!.text)
            XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "keep\n", "\(command)followed no symlink")
        }
        h.command("save! " + dir)
        XCTAssertEqual(h.model.status?.kind, .error, "a directory is not overwritten")
        // A hostile name: the file is the user's to name, but the status line shows no raw escape.
        h.command("save " + dir + "/x\u{1b}[2Jy")
        XCTAssertEqual(h.model.status?.kind, .success)
        XCTAssertFalse(h.model.status!.text.contains("\u{1b}"), h.model.status!.text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/x\u{1b}[2Jy"))
    }

    // MARK: - Clipboard

    func testYCopiesTheMatchLineByOSC52WithoutControls() throws {
        let h = Harness(path: try writeLog(50) { $0 == 40 ? "secret \u{1b}[31mred\u{07} end" : "line \($0)" })
        h.press(.char("/"))
        "secret".forEach { h.press(.char($0)) }
        h.press(.enter, .char("y"))
        let clean = "secret [31mred end"
        XCTAssertEqual(h.terminal.written, [Array("\u{1b}]52;c;".utf8) + Array(Data(clean.utf8).base64EncodedString().utf8) + [0x07]])
        XCTAssertEqual(h.model.status?.text, "copied \(clean.utf8.count) bytes")
        h.model.clipboard = .off
        h.press(.char("y"))
        XCTAssertEqual(h.terminal.written.count, 1, "nothing written when the clipboard is off")
        XCTAssertEqual(h.model.status?.kind, .error)
    }

    func testClipboardDefaultsAndConfig() throws {
        XCTAssertEqual(Clipboard.defaultSetting(environment: ["TERM": "xterm-256color"]), .osc52)
        XCTAssertEqual(Clipboard.defaultSetting(environment: ["TERM": "screen", "TMUX": "/tmp/t,1,0"]), .osc52)
        XCTAssertEqual(Clipboard.defaultSetting(environment: ["TERM": "linux"]), .off)
        let path = dir + "/config.yaml"
        try "clipboard: off\n".write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertEqual(try DashboardConfig.load(path: path).clipboard, .off)
        try "clipboard: wayland\n".write(toFile: path, atomically: false, encoding: .utf8)
        let bad = try DashboardConfig.load(path: path)
        XCTAssertNil(bad.clipboard)
        XCTAssertEqual(bad.problems.count, 1)
    }
}
