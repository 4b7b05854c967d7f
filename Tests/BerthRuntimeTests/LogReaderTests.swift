@testable import BerthOS
@testable import BerthRuntime
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `LogReader` against files written the way the supervisor writes them.
final class LogReaderTests: XCTestCase {
    /// One CRI record.
    func rec(_ second: Int, _ text: String, stream: String = "stdout", tag: String = "F", nanos: Int = 0) -> String {
        String(format: "2026-11-29T10:00:%02d.%09dZ %@ %@ %@\n", second, nanos, stream, tag, text)
    }

    // MARK: - since/until on 200 MB

    /// 2,097,152 records of 100 bytes (200 MiB), record i stamped 2026-11-29T00:00:00Z + 40 ms × i
    /// with the text `line %08d` and padding: the expected answer for any window is arithmetic.
    static let records = 2_097_152
    static let midnight: Int64 = 1_795_910_400 * 1_000_000_000
    static func stamp(_ i: Int) -> Int64 { midnight + Int64(i) * 40_000_000 }
    static func text(_ i: Int) -> String { String(format: "line %08d ", i) + String(repeating: "x", count: 45) }

    static func writeBigLog(to path: String) throws {
        let perChunk = 8192
        var chunk = [UInt8](repeating: 0, count: perChunk * 100)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BerthError.errno("open", path) }
        defer { close(fd) }
        // The fixed parts once; each chunk then only gets its digits.
        let template = Array("2026-11-29T00:00:00.000000000Z stdout F line 00000000 ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 45) + [0x0a]
        for k in 0..<perChunk { chunk.replaceSubrange((k * 100)..<(k * 100 + 100), with: template) }
        for first in stride(from: 0, to: records, by: perChunk) {
            chunk.withUnsafeMutableBufferPointer { b in
                for k in 0..<perChunk {
                    let i = first + k
                    let r = k * 100
                    func put(_ v: Int, at: Int, width: Int) {
                        var v = v
                        for d in stride(from: at + width - 1, through: at, by: -1) { b[r + d] = UInt8(0x30 + v % 10); v /= 10 }
                    }
                    let ms = i * 40
                    let secs = ms / 1000
                    put(secs / 3600, at: 11, width: 2); put(secs / 60 % 60, at: 14, width: 2); put(secs % 60, at: 17, width: 2)
                    put((ms % 1000) * 1_000_000, at: 20, width: 9)
                    put(i, at: 45, width: 8)
                }
            }
            let written = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written == chunk.count else { throw BerthError.errno("write", path) }
        }
    }

    func testSinceAndUntilSeekInA200MBLogAndReadLittleOfIt() throws {
        let log = try TempLog()
        defer { log.remove() }
        try Self.writeBigLog(to: log.path)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: log.path)[.size] as? Int)
        XCTAssertEqual(size, 200 << 20)
        let n = Self.records
        // Each case: the window, and the records it must return.
        let cases: [(String, LogReader.Window, [Int])] = [
            ("since and until in the middle", .init(since: Self.stamp(1_000_000), until: Self.stamp(1_000_004)), Array(1_000_000...1_000_004)),
            ("since between two records", .init(since: Self.stamp(1_500_000) + 1, until: Self.stamp(1_500_003)), Array(1_500_001...1_500_003)),
            ("since near the end", .init(since: Self.stamp(n - 3)), Array((n - 3)..<n)),
            ("until near the start", .init(until: Self.stamp(2)), [0, 1, 2]),
            ("a window's tail", .init(since: Self.stamp(700_000), until: Self.stamp(800_000), tail: 2), [799_999, 800_000]),
            ("the file's tail", .init(tail: 4), Array((n - 4)..<n)),
            ("a tail larger than the window", .init(since: Self.stamp(42), until: Self.stamp(43), tail: 10), [42, 43]),
            ("since after the last record", .init(since: Self.stamp(n)), []),
            ("until before the first", .init(until: Self.midnight - 1), []),
            ("since after until", .init(since: Self.stamp(10), until: Self.stamp(5)), []),
        ]
        for (name, window, expected) in cases {
            let reader = LogReader(path: log.path)
            let lines = reader.lines(window)
            XCTAssertEqual(lines.map(\.text), expected.map(Self.text), name)
            XCTAssertEqual(lines.map(\.timestampNanos), expected.map(Self.stamp), name)
            // A seek, not a scan: a few KiB per probe of the binary search plus the lines themselves.
            XCTAssertLessThan(reader.stats.bytesRead, 1 << 20, "\(name): read \(reader.stats.bytesRead) of \(size) bytes")
        }
    }

    // MARK: - Partial lines

    /// A 20,000-character line as the supervisor writes it: 16,384 bytes in a P record, the rest
    /// in an F record. An "é" straddles the cut, so joining must join bytes, not decoded strings.
    func testALongLineIsOneLineEverywhere() throws {
        let log = try TempLog("long")
        defer { log.remove() }
        let text = String(repeating: "a", count: 16_383) + "é" + String(repeating: "b", count: 20_000 - 16_384)
        let utf8 = Array(text.utf8)
        // Written as bytes: the P record alone is not valid UTF-8.
        var bytes: [UInt8] = Array(rec(0, "before").utf8)
        bytes += Array("2026-11-29T10:00:01.000000000Z stdout P ".utf8)
        bytes += utf8[..<16_384]
        bytes.append(0x0a)
        bytes += Array("2026-11-29T10:00:01.000000001Z stdout F ".utf8)
        bytes += utf8[16_384...]
        bytes.append(0x0a)
        bytes += Array(rec(2, "after").utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: log.path))
        let all = LogReader(path: log.path).lines()
        XCTAssertEqual(all.map(\.text), ["before", text, "after"])
        XCTAssertEqual(all[1].text.count, 20_000)
        XCTAssertEqual(all.map(\.complete), [true, true, true])
        XCTAssertEqual(LogReader(path: log.path).tail(2).map(\.text), [text, "after"])
        XCTAssertEqual(LogReader(path: log.path).tail(1).map(\.text), ["after"])
        XCTAssertEqual(LogReader(path: log.path).lines(.init(until: 1_795_946_401_500_000_000, tail: 1)).map(\.text), [text])
        // since/until apply to each record, as docker applies them to each message: a window that
        // starts between the two records holds the line's second part.
        XCTAssertEqual(LogReader(path: log.path).lines(.init(since: 1_795_946_401_000_000_001)).map(\.text),
                       [String(decoding: utf8[16_384...], as: UTF8.self), "after"])
    }

    func testInterleavedStreamsJoinSeparately() throws {
        let log = try TempLog("streams")
        defer { log.remove() }
        try log.write(rec(0, "o1", tag: "P") + rec(0, "e1", stream: "stderr", tag: "P", nanos: 1) + rec(0, "e2", stream: "stderr", nanos: 2)
            + rec(0, "o2", tag: "P", nanos: 3) + rec(1, "x", stream: "stderr") + rec(1, "o3", nanos: 1) + rec(2, "still", tag: "P"))
        let lines = LogReader(path: log.path).lines()
        XCTAssertEqual(lines.map(\.text), ["e1e2", "x", "o1o2o3", "still"])
        XCTAssertEqual(lines.map(\.stream), [.stderr, .stderr, .stdout, .stdout])
        XCTAssertEqual(lines.map(\.complete), [true, true, true, false], "the last one has not ended yet")
        // The tail counts joined lines and reads back far enough to join them.
        XCTAssertEqual(LogReader(path: log.path).tail(2).map(\.text), ["o1o2o3", "still"])
        XCTAssertEqual(LogReader(path: log.path).tail(3).map(\.text), ["x", "o1o2o3", "still"])
        let keep = LogReader(path: log.path)
        XCTAssertEqual(keep.lines(flushPartials: false).map(\.text), ["e1e2", "x", "o1o2o3"])
        try log.append(rec(3, " ends", nanos: 5))
        let next = keep.poll()
        XCTAssertEqual(next.map(\.text), ["still ends"], "the unfinished line waited for its F record")
        XCTAssertEqual(next.first?.timestampNanos, 1_795_946_402_000_000_000)
    }

    func testAnEndlessPartialLineStaysBounded() throws {
        let log = try TempLog("endless")
        defer { log.remove() }
        // 16,000 P records of 1,000 bytes (16 MB) that never end, an stderr line every 500.
        let piece = String(repeating: "z", count: 1000)
        var text = ""
        for i in 0..<16_000 {
            text += rec(i / 1000, piece, tag: "P", nanos: i)
            if i % 500 == 499 { text += rec(i / 1000, "err \(i)", stream: "stderr", nanos: i) }
        }
        try log.write(text)
        let cap = 64 << 10
        let reader = LogReader(path: log.path, maxLineBytes: cap)
        let lines = reader.lines()
        let out = lines.filter { $0.stream == .stdout }
        XCTAssertEqual(out.map(\.text.utf8.count).reduce(0, +), 16_000_000, "nothing is lost")
        XCTAssertTrue(out.allSatisfy { $0.text.utf8.count <= cap && !$0.complete }, "pieces of at most the cap")
        XCTAssertEqual(out.count, (16_000_000 + cap - 1) / cap)
        XCTAssertEqual(lines.filter { $0.stream == .stderr }.count, 32)
        XCTAssertLessThanOrEqual(reader.stats.largestPendingLine, cap + 1000)
        // Following it holds no more.
        let follower = LogReader(path: log.path, maxLineBytes: cap)
        XCTAssertEqual(follower.poll().filter { $0.stream == .stderr }.count, 32)
        XCTAssertLessThanOrEqual(follower.stats.largestPendingLine, cap + 1000)
        // The tail reads back to the stderr line before the last (its P records could be anywhere
        // before), twice: half a MB of 16, not the line.
        let tail = LogReader(path: log.path, maxLineBytes: cap)
        XCTAssertEqual(tail.tail(3).count, 3)
        XCTAssertLessThan(tail.stats.bytesRead, 2 << 20, "of \(text.utf8.count) bytes")
    }

    func testTheDefaultCapIsOneMiB() throws {
        let log = try TempLog("cap")
        defer { log.remove() }
        let piece = String(repeating: "q", count: 16_384)
        try log.write((0..<200).map { rec(0, piece, tag: "P", nanos: $0) }.joined())
        let reader = LogReader(path: log.path)
        let lines = reader.poll() + reader.flush()
        XCTAssertEqual(LogReader.defaultMaxLineBytes, 1 << 20)
        XCTAssertTrue(lines.allSatisfy { $0.text.utf8.count <= 1 << 20 })
        XCTAssertEqual(lines.map(\.text.utf8.count).reduce(0, +), 200 * 16_384)
        XCTAssertLessThanOrEqual(reader.stats.largestPendingLine, (1 << 20) + 16_384)
    }

    func testAnOverlongRecordIsSkipped() throws {
        let log = try TempLog("overlong")
        defer { log.remove() }
        try log.write(rec(0, "one") + String(repeating: "g", count: 300 << 10) + "\n" + rec(1, "two"))
        let reader = LogReader(path: log.path)
        XCTAssertEqual(reader.poll().map(\.text), ["one", "two"])
        XCTAssertGreaterThanOrEqual(reader.stats.bytesSkipped, 300 << 10)
    }

    // MARK: - Following

    func testReadThenPollNeitherLosesNorRepeats() throws {
        let log = try TempLog("continue")
        defer { log.remove() }
        try log.write(rec(0, "a") + rec(1, "b") + "2026-11-29T10:00:02Z stdout F hal")
        let reader = LogReader(path: log.path)
        XCTAssertEqual(reader.lines(.init(tail: 1)).map(\.text), ["b"], "a record without its newline is not yet written")
        try log.append("f\n" + rec(3, "c"))
        XCTAssertEqual(reader.poll().map(\.text), ["half", "c"])
        XCTAssertEqual(reader.poll(), [])
    }

    func testRotationWhileFollowing() throws {
        let log = try TempLog("rotate")
        defer { log.remove() }
        try log.write(rec(0, "one"))
        let reader = LogReader(path: log.path)
        XCTAssertEqual(reader.poll().map(\.text), ["one"])
        // The writer still holds the old file after the rename: its last lines are read, then the new file.
        let old = try FileHandle(forWritingTo: URL(fileURLWithPath: log.path))
        defer { try? old.close() }
        XCTAssertEqual(rename(log.path, log.path + ".1"), 0)
        XCTAssertEqual(reader.poll(), [], "no new file yet: keep reading the old one")
        try old.seekToEnd()
        try old.write(contentsOf: Data(rec(1, "two").utf8))
        try log.write(rec(2, "three") + rec(3, "four"))
        XCTAssertEqual(reader.poll().map(\.text), ["two", "three", "four"])
        try log.append(rec(4, "five"))
        XCTAssertEqual(reader.poll().map(\.text), ["five"])
    }

    func testTruncationWhileFollowing() throws {
        let log = try TempLog("truncate")
        defer { log.remove() }
        try log.write(rec(0, "a long first line") + rec(1, "and a second"))
        let reader = LogReader(path: log.path)
        XCTAssertEqual(reader.lines().count, 2)
        XCTAssertEqual(truncate(log.path, 0), 0)
        try log.append(rec(2, "new"))
        XCTAssertEqual(reader.poll().map(\.text), ["new"])
        try log.append(rec(3, "newer"))
        XCTAssertEqual(reader.poll().map(\.text), ["newer"])
    }

    func testAFileThatAppearsLaterIsFollowed() throws {
        let log = try TempLog("later")
        defer { log.remove() }
        let reader = LogReader(path: log.path)
        XCTAssertEqual(reader.lines(), [])
        try log.write(rec(0, "hello"))
        XCTAssertEqual(reader.poll().map(\.text), ["hello"])
    }

    func testFollowStopsPastUntil() throws {
        let log = try TempLog("until")
        defer { log.remove() }
        try log.write(rec(0, "a") + rec(1, "b"))
        let reader = LogReader(path: log.path)
        XCTAssertEqual(reader.lines(.init(until: 1_795_946_401_500_000_000)).map(\.text), ["a", "b"])
        try log.append(rec(2, "c"))
        var seen: [String] = []
        // A supervisor that never exits: only the record past `until` can end this.
        let forever = SupervisorWatch(pid: getpid(), startTime: ProcStat.startTime(pid: getpid()))
        reader.follow(until: forever) { seen += $0.map(\.text) }
        XCTAssertEqual(seen, [])
        XCTAssertTrue(reader.reachedUntil)
    }

    func testFollowEndsWhenTheSupervisorExits() throws {
        let log = try TempLog("exit")
        defer { log.remove() }
        try log.write(rec(0, "before"))
        // `cat` stands in for the supervisor: it exits when its stdin closes.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/cat")
        let stdin = Pipe()
        child.standardInput = stdin
        child.standardOutput = FileHandle.nullDevice
        try child.run()
        defer { if child.isRunning { child.terminate() } }
        let pid = child.processIdentifier
        let watch = SupervisorWatch(pid: pid, startTime: ProcStat.startTime(pid: pid))
        XCTAssertFalse(watch.waitForExit(timeout: 0))
        let seen = Seen()
        let path = log.path
        let thread = Thread {
            LogReader(path: path).follow(until: watch) { seen.add($0) }
            seen.finish()
        }
        thread.start()
        XCTAssertTrue(seen.waitFor { lines, _ in lines.map(\.text) == ["before"] }, "\(seen.lines.map(\.text))")
        // Written before the exit: the last read after it must still see these.
        try log.append(rec(1, "last") + rec(2, "unfinished", tag: "P"))
        try stdin.fileHandleForWriting.close()
        XCTAssertTrue(seen.waitFor { _, finished in finished }, "the follow did not end when the process exited")
        XCTAssertEqual(seen.lines.map(\.text), ["before", "last", "unfinished"])
        XCTAssertEqual(seen.lines.last?.complete, false)
        XCTAssertTrue(SupervisorWatch(pid: nil, startTime: nil).waitForExit(timeout: 10), "never started: already exited")
    }
}

/// What a following thread has seen, for the test thread to wait on.
private final class Seen: @unchecked Sendable {
    // Unchecked: every field is guarded by `condition`.
    private let condition = NSCondition()
    private var _lines: [LogLine] = []
    private var _finished = false

    var lines: [LogLine] { condition.withLock { _lines } }

    func add(_ batch: [LogLine]) { condition.withLock { _lines += batch; condition.broadcast() } }
    func finish() { condition.withLock { _finished = true; condition.broadcast() } }

    /// Waits (at most 20 s) until `holds` is true of the lines seen and whether the follow ended.
    func waitFor(_ holds: ([LogLine], Bool) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(20)
        condition.lock()
        defer { condition.unlock() }
        while !holds(_lines, _finished) {
            if !condition.wait(until: deadline) { return holds(_lines, _finished) }
        }
        return true
    }
}
