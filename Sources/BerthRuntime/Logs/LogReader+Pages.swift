import Foundation

/// A run of whole lines of a log file and the bytes they came from: what the dashboard holds of
/// a file too large to hold, page by page. `start` and `end` are record boundaries.
public struct LogPage: Sendable, Equatable {
    public var lines: [LogLine]
    public var start: Int64
    public var end: Int64

    public init(lines: [LogLine], start: Int64, end: Int64) {
        self.lines = lines; self.start = start; self.end = end
    }
}

/// Random access by byte offset, for a view that moves through a file larger than it holds.
/// These reads leave the follow state (`poll`'s offset, its unfinished line) as it was, so one
/// reader can both follow the tail and page through the rest.
extension LogReader {
    /// The byte after the file's last whole record, now.
    public var recordsEnd: Int64 {
        guard fd >= 0 || openFile() else { return 0 }
        return lastRecordEnd()
    }

    /// The `count` lines that end at `end`, after skipping the `skipping` lines just before it
    /// (lines already held whose start is not known), never reaching below `floor`.
    public func page(before end: Int64, skipping: Int = 0, lines count: Int, floor: Int64 = 0) -> LogPage {
        guard count > 0, end > floor, fd >= 0 || openFile() else { return LogPage(lines: [], start: end, end: end) }
        let top = skipping > 0 ? tailStart(lines: skipping, from: floor, to: end) : end
        let start = tailStart(lines: count, from: floor, to: top)
        return LogPage(lines: range(from: start, to: top), start: start, end: top)
    }

    /// The first `count` lines from `start` on, stopping at `limit`.
    public func page(after start: Int64, lines count: Int, limit: Int64) -> LogPage {
        guard count > 0, start < limit, fd >= 0 || openFile() else { return LogPage(lines: [], start: start, end: start) }
        var complete = 0
        // A line ends with its F record; P records before it belong to the same line.
        var end = scanForward(from: start, aligned: true, limit: limit, block: Self.scanBlock) { _, header in
            // Stop at the record after the count-th line's F record.
            if complete >= count { return false }
            if header?.complete ?? true { complete += 1 }
            return true
        }
        end = min(end, limit)
        return LogPage(lines: range(from: start, to: end), start: start, end: end)
    }

    /// The lines of the records in [start, end), a line cut at either end passed on as it is.
    public func range(from start: Int64, to end: Int64) -> [LogLine] {
        var out: [LogLine] = []
        range(from: start, to: end) { out.append($0) }
        return out
    }

    public func range(from start: Int64, to end: Int64, _ body: (LogLine) -> Void) {
        guard start < end, fd >= 0 || openFile() else { return }
        isolated {
            consume(from: start, to: end, emit: body)
            joiner.flush(emit: body)
        }
    }

    /// Runs `body` with a fresh joiner and no window, then puts the follow state back.
    private func isolated(_ body: () -> Void) {
        let saved = (offset, carry, skipping, joiner, window, reachedUntil)
        joiner = LineJoiner(maxBytes: maxLineBytes)
        carry = []
        skipping = false
        window = Window()
        body()
        (offset, carry, skipping, joiner, window, reachedUntil) = saved
    }

    /// The offset of the first record stamped at or after `nanos` (the end of the records when
    /// none is): where a time range begins, or just past where one ends (`nanos` = until + 1).
    public func offset(ofFirstAtOrAfter nanos: Int64) -> Int64 {
        guard fd >= 0 || openFile() else { return 0 }
        return seek(firstAtOrAfter: nanos, from: 0, to: lastRecordEnd())
    }
}
