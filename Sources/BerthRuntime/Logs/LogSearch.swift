import BerthOS
import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A search of a log file for a `LogPattern`, in steps so the caller can show progress and stop
/// between them (the dashboard's search beyond the lines it holds). The raw bytes are scanned with
/// memmem(3) in large reads for the pattern's required literal and only a record that holds it is
/// parsed (and, for a regex, given to regexec), so the cost is the file's bytes at memory speed,
/// not its lines. A regex with no required literal is run on every record: slower, so its steps
/// read smaller blocks and end at a time limit, and a cancel between steps is seen quickly.
///
/// Case is ignored for ASCII letters (each block is folded before the scan, as the pane's own
/// search ignores case); other letters match as typed. A term is found within one record: a line
/// the supervisor cut into P records does not match across the cut. A hit in a record's header
/// (its timestamp or stream name) is not a hit.
public final class LogSearch {
    public enum Direction: Sendable, Equatable { case forward, backward }

    /// What a step found.
    public enum Step: Sendable, Equatable {
        /// Still going: the share of the range scanned so far, 0...1.
        case progress(Double)
        /// The start of the nearest record whose text holds the term.
        case found(Int64)
        case notFound
    }

    public static let blockSize = 4 << 20
    /// A regex step's read: small enough that a slow pattern returns to the caller often.
    public static let regexBlockSize = 256 << 10
    /// A step returns after about this long even with budget left (a slow regex).
    public static let stepSeconds = 0.05
    /// Bytes scanned per `step` unless the caller says otherwise: at memory speed, well under a
    /// tenth of a second, so a cancel is seen at once.
    public static let stepBytes = 64 << 20

    public let direction: Direction
    private let matcher: LogMatcher
    /// The bytes every hit holds (ASCII lower case); empty when a regex has no required literal.
    private let needle: [UInt8]
    private let foldCase: Bool
    private let blockSize: Int
    private let fd: Int32
    private let floor: Int64, limit: Int64
    /// The next byte to scan from (forward) or to (backward); always a record boundary.
    private var position: Int64
    private let buffer: UnsafeMutableRawBufferPointer
    private let folded: UnsafeMutableRawBufferPointer
    public private(set) var bytesScanned: Int64 = 0
    /// The bytes between the start and the far end.
    private let span: Int64

    /// Searches [floor, limit) of the file at `path` for `term` as `LogPattern(term:)` reads it.
    public convenience init(path: String, term: String, from start: Int64, direction: Direction, floor: Int64 = 0, limit: Int64) throws {
        try self.init(path: path, matcher: LogPattern(term: term).matcher(), from: start, direction: direction, floor: floor, limit: limit)
    }

    /// Searches [floor, limit) of the file at `path`, from `start` (a record boundary) towards
    /// `limit` (forward) or `floor` (backward). Throws when the file cannot be opened.
    public init(path: String, matcher: LogMatcher, from start: Int64, direction: Direction, floor: Int64 = 0, limit: Int64) throws {
        let f = open(path, O_RDONLY | O_CLOEXEC)
        guard f >= 0 else { throw LogSearchError.unreadable(path: path, errno: errno) }
        fd = f
        self.direction = direction
        self.floor = floor
        self.limit = limit
        position = min(max(start, floor), limit)
        span = direction == .forward ? limit - position : position - floor
        self.matcher = matcher
        needle = matcher.literal
        foldCase = needle.contains { Self.isLetter($0) }
        blockSize = matcher.isRegex ? Self.regexBlockSize : Self.blockSize
        buffer = .allocate(byteCount: blockSize, alignment: 16)
        folded = .allocate(byteCount: foldCase ? blockSize : 0, alignment: 16)
    }

    deinit {
        close(fd)
        buffer.deallocate()
        folded.deallocate()
    }

    /// The share of the range between the start and the far end already scanned.
    private var share: Double { span > 0 ? min(1, Double(bytesScanned) / Double(span)) : 1 }

    /// What a block's scan found: the start of a matching record, nothing, or — a regex run on
    /// every record, out of time — where it stopped (the records before it, forward, or after it,
    /// backward, are done).
    private enum BlockScan { case hit(Int), none, stopped(Int) }

    /// Scans up to `maxBytes` more, for at most about `maxSeconds` (checked between blocks and,
    /// for a regex run on every record, between records: one record is the most a slow regex
    /// holds a step past its time).
    public func step(maxBytes: Int = LogSearch.stepBytes, maxSeconds: Double = LogSearch.stepSeconds) -> Step {
        guard !matcher.pattern.isEmpty else { return .notFound }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(maxSeconds * 1e9)
        var budget = maxBytes
        while budget > 0 {
            if budget < maxBytes && DispatchTime.now().uptimeNanoseconds >= deadline { break }
            // A small budget reads less (the steps a test or a slow disk wants), never below a page.
            let block = Int64(min(blockSize, max(4096, budget)))
            switch direction {
            case .forward:
                guard position < limit else { return .notFound }
                let want = Int(min(block, limit - position))
                let n = read(want, at: position)
                guard n > 0 else { return .notFound }
                // Whole records only, unless one record fills the block (then the next read
                // starts inside it, and what matches there has no header and is skipped).
                let used = position + Int64(n) < limit ? (Self.lastNewline(buffer, n).map { $0 + 1 } ?? n) : n
                switch scan(used, last: false, deadline: deadline) {
                case .hit(let at): return .found(position + Int64(at))
                case .stopped(let at):
                    position += Int64(at)
                    bytesScanned += Int64(at)
                    return .progress(share)
                case .none: break
                }
                position += Int64(used)
                bytesScanned += Int64(used)
                budget -= used
            case .backward:
                guard position > floor else { return .notFound }
                let blockStart = max(floor, position - block)
                let want = Int(position - blockStart)
                guard read(want, at: blockStart) == want else { return .notFound }
                // Begin at the first record that starts inside the block.
                var skip = 0
                if blockStart > floor, let nl = memchr(buffer.baseAddress!, 0x0a, want) {
                    skip = buffer.baseAddress!.distance(to: nl) + 1
                }
                let used = want - skip
                if skip > 0 { memmove(buffer.baseAddress!, buffer.baseAddress! + skip, used) }
                switch scan(used, last: true, deadline: deadline) {
                case .hit(let at): return .found(blockStart + Int64(skip + at))
                case .stopped(let at):
                    position = blockStart + Int64(skip + at)
                    bytesScanned += Int64(used - at)
                    return .progress(share)
                case .none: break
                }
                position = blockStart + Int64(skip)
                bytesScanned += Int64(used)
                budget -= used
                if used == 0 { position = blockStart } // a record longer than a block: step past it
            }
        }
        return .progress(share)
    }

    private func read(_ count: Int, at offset: Int64) -> Int {
        var got = 0
        while got < count {
            let n = pread(fd, buffer.baseAddress! + got, count - got, off_t(offset + Int64(got)))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            got += n
        }
        return got
    }

    /// The start (in the block) of the first record — or, `last`, the last — of the block's first
    /// `count` bytes whose text holds the needle.
    private func scan(_ count: Int, last: Bool, deadline: UInt64) -> BlockScan {
        if needle.isEmpty { return scanEveryRecord(count, last: last, deadline: deadline) }
        return scanForLiteral(count, last: last).map { .hit($0) } ?? .none
    }

    private func scanForLiteral(_ count: Int, last: Bool) -> Int? {
        guard count >= needle.count else { return nil }
        let hay: UnsafeRawPointer
        if foldCase {
            Self.fold(UnsafeRawPointer(buffer.baseAddress!), into: folded.baseAddress!, count: count)
            hay = UnsafeRawPointer(folded.baseAddress!)
        } else {
            hay = UnsafeRawPointer(buffer.baseAddress!)
        }
        var found: Int?
        var from = 0
        while from < count {
            let hit = needle.withUnsafeBytes { n in berth_memmem(hay + from, count - from, n.baseAddress!, n.count) }
            guard let hit else { break }
            let at = hay.distance(to: UnsafeRawPointer(hit))
            let recordStart = Self.lastNewline(buffer, at).map { $0 + 1 } ?? 0
            let recordEnd = memchr(hay + at, 0x0a, count - at).map { hay.distance(to: UnsafeRawPointer($0)) } ?? count
            if textHolds(hay, record: recordStart..<recordEnd) {
                if !last { return recordStart }
                found = recordStart
            }
            from = recordEnd + 1
        }
        return found
    }

    /// `scan` for a regex without a required literal: each record's text goes to regexec, the
    /// nearest record first (backward: from the block's end), stopping at a record boundary once
    /// past `deadline`.
    private func scanEveryRecord(_ count: Int, last: Bool, deadline: UInt64) -> BlockScan {
        let base = UnsafeRawPointer(buffer.baseAddress!)
        func outOfTime() -> Bool { DispatchTime.now().uptimeNanoseconds >= deadline }
        if !last {
            var start = 0
            while start < count {
                let end = memchr(base + start, 0x0a, count - start).map { base.distance(to: UnsafeRawPointer($0)) } ?? count
                if let text = message(of: start..<end), matcher.matchesRegex(text) { return .hit(start) }
                start = end + 1
                if start < count && outOfTime() { return .stopped(start) }
            }
            return .none
        }
        // Backward: records end at a newline (the block holds whole records from its start).
        var end = count > 0 && buffer[count - 1] == 0x0a ? count - 1 : count
        while end > 0 {
            let start = berth_memrchr(base, 0x0a, end).map { base.distance(to: UnsafeRawPointer($0)) + 1 } ?? 0
            if let text = message(of: start..<end), matcher.matchesRegex(text) { return .hit(start) }
            if start > 0 && outOfTime() { return .stopped(start) }
            end = start - 1
        }
        return .none
    }

    /// The text of a record of the block (after its CRI header); nil when it has no header.
    private func message(of record: Range<Int>) -> UnsafeRawBufferPointer? {
        let raw = UnsafeRawBufferPointer(start: UnsafeRawPointer(buffer.baseAddress!) + record.lowerBound, count: record.count)
        guard let h = CRILog.header(UnsafeRawBufferPointer(rebasing: raw[..<min(raw.count, LogReader.headBytes)])) else { return nil }
        return UnsafeRawBufferPointer(rebasing: raw[h.textStart...])
    }

    /// Whether the record's text (after its CRI header) holds the needle, and matches the regex
    /// when there is one (only the records holding the literal get this far).
    private func textHolds(_ hay: UnsafeRawPointer, record: Range<Int>) -> Bool {
        guard let text = message(of: record), text.count >= needle.count else { return false }
        let at = hay + record.lowerBound + (record.count - text.count)
        guard needle.withUnsafeBytes({ n in berth_memmem(at, text.count, n.baseAddress!, n.count) }) != nil else { return false }
        return !matcher.isRegex || matcher.matchesRegex(text)
    }

    static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a }
    static func lower(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }

    /// ASCII upper case to lower, byte for byte (a loop the compiler vectorises).
    static func fold(_ src: UnsafeRawPointer, into dst: UnsafeMutableRawPointer, count: Int) {
        let s = src.assumingMemoryBound(to: UInt8.self), d = dst.assumingMemoryBound(to: UInt8.self)
        for i in 0..<count {
            let b = s[i]
            d[i] = b &- 0x41 < 26 ? b | 0x20 : b
        }
    }

    static func lastNewline(_ buffer: UnsafeMutableRawBufferPointer, _ count: Int) -> Int? {
        guard count > 0, let p = berth_memrchr(buffer.baseAddress!, 0x0a, count) else { return nil }
        return UnsafeRawPointer(buffer.baseAddress!).distance(to: p)
    }
}

public enum LogSearchError: Error, CustomStringConvertible {
    case unreadable(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .unreadable(let path, let e): return "cannot read the log \(Quoted.escapeControls(path)): \(String(cString: strerror(e)))"
        }
    }
}
