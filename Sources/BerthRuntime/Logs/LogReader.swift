import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A container's CRI log file, read every way Berth reads logs: the lines of a time window, the
/// last N of them, then what is appended (`poll`) until the supervisor exits (`follow`). `logs`,
/// `run` in the foreground, `up`, `Engine.tailLogs` and the dashboard's logs pane all read
/// through it. Lines come out joined (`LineJoiner`): a line the supervisor cut into P records is
/// one `LogLine`.
///
/// Cost is proportional to what is returned, not to the file: `--tail` reads backwards from the
/// end, `--since`/`--until` find their offsets by binary search on the records' timestamps (the
/// supervisor appends in time order), and `stats` counts the bytes read so tests can check it.
/// One reader belongs to one thread.
public final class LogReader {
    /// Which lines `read` returns. Times are unix nanoseconds and inclusive, as docker's.
    public struct Window: Sendable, Equatable {
        public var since: Int64?
        public var until: Int64?
        /// Only the last `tail` lines of the window.
        public var tail: Int?

        public init(since: Int64? = nil, until: Int64? = nil, tail: Int? = nil) {
            self.since = since; self.until = until; self.tail = tail
        }
    }

    public struct Stats: Sendable, Equatable {
        /// Bytes returned by pread(2), over the reader's life.
        public var bytesRead: Int64 = 0
        public var reads = 0
        /// Bytes of over-long records and of output skipped by `poll(maxBytes:)`, dropped.
        public var bytesSkipped: Int64 = 0
        /// The most bytes one stream's unfinished line held: at most `maxLineBytes` + one record.
        public var largestPendingLine = 0
    }

    /// Longest line handed out whole; longer ones come in pieces (see `LineJoiner`).
    public static let defaultMaxLineBytes = 1 << 20
    /// The supervisor writes records of at most 16 KiB of text plus a header; a "record" much
    /// longer is not its output and is dropped rather than buffered.
    static let maxRecordBytes = 256 << 10
    /// Below this the binary search hands over to a linear scan.
    static let probeSpan: Int64 = 64 << 10
    static let chunkSize = 256 << 10

    public let path: String
    public let maxLineBytes: Int
    var fd: Int32 = -1
    private var identity: (dev: UInt64, ino: UInt64)?
    /// Where `poll` continues: everything before it has been consumed.
    var offset: Int64 = 0
    /// The start of a record whose newline has not been read yet.
    var carry: [UInt8] = []
    /// Dropping an over-long record (or a cut one after a skip) up to its newline.
    var skipping = false
    var joiner: LineJoiner
    var window = Window()
    var counters = Stats()
    /// A record later than the window's `until` was seen: nothing more belongs to the window.
    public internal(set) var reachedUntil = false
    /// Where the lines the last `read` passed on begin (a record boundary): the dashboard pages
    /// older lines in from here.
    public internal(set) var readStart: Int64 = 0
    /// Where `poll` continues: the lines handed out so far end here.
    public var position: Int64 { offset }

    public var stats: Stats {
        var s = counters
        s.largestPendingLine = joiner.largestPending
        return s
    }

    /// A file that does not exist yet (a container never started) reads as empty and is opened
    /// when it appears.
    public init(path: String, maxLineBytes: Int = LogReader.defaultMaxLineBytes) {
        self.path = path
        self.maxLineBytes = maxLineBytes
        joiner = LineJoiner(maxBytes: maxLineBytes)
        openFile()
    }

    deinit { if fd >= 0 { close(fd) } }

    // MARK: - One-shot reads

    /// Passes on the window's lines as the file stands now, oldest first; with `flushPartials` a
    /// line still waiting for its end comes last (as a partial line), else it stays for `poll`.
    /// `poll` and `follow` continue after the end of the file as it was here, with the window's
    /// `since` and `until`.
    public func read(_ window: Window = Window(), flushPartials: Bool = true, _ body: (LogLine) -> Void) {
        self.window = window
        reachedUntil = false
        joiner = LineJoiner(maxBytes: maxLineBytes)
        carry = []
        skipping = false
        guard fd >= 0 || openFile() else { return }
        let fileEnd = lastRecordEnd()
        offset = fileEnd
        var start: Int64 = 0
        var end = fileEnd
        if let since = window.since { start = seek(firstAtOrAfter: since, from: 0, to: end) }
        if let until = window.until, until < Int64.max {
            end = seek(firstAtOrAfter: until + 1, from: start, to: end)
            if end < fileEnd { reachedUntil = true }
        }
        readStart = start
        guard let tail = window.tail else {
            consume(from: start, to: end, emit: body)
            if flushPartials { joiner.flush(emit: body) }
            offset = fileEnd
            return
        }
        guard tail > 0 else { offset = fileEnd; return }
        var lines: [LogLine] = []
        readStart = tailStart(lines: tail, from: start, to: end)
        consume(from: readStart, to: end) { lines.append($0) }
        if flushPartials { joiner.flush { lines.append($0) } }
        offset = fileEnd
        for line in lines.suffix(tail) { body(line) }
    }

    public func lines(_ window: Window = Window(), flushPartials: Bool = true) -> [LogLine] {
        var out: [LogLine] = []
        read(window, flushPartials: flushPartials) { out.append($0) }
        return out
    }

    /// The last `count` lines, reading backwards from the end.
    public func tail(_ count: Int) -> [LogLine] { lines(Window(tail: count)) }

    // MARK: - Following

    /// Lines appended since the last `read` or `poll`. A truncated file is read again from its
    /// start; a rotated one (the path names a new file) is read to its end, then the new file from
    /// its start. With `maxBytes`, a writer faster than that per call is skipped ahead of rather
    /// than letting the caller fall behind (the dashboard).
    public func poll(maxBytes: Int? = nil) -> [LogLine] {
        var out: [LogLine] = []
        poll(maxBytes: maxBytes) { out.append($0) }
        return out
    }

    public func poll(maxBytes: Int? = nil, _ body: (LogLine) -> Void) {
        guard fd >= 0 || openFile() else { return }
        while true {
            let size = fileSize()
            if size < offset {
                // Truncated in place: what was waiting for its end is passed on as it is.
                joiner.flush(emit: body)
                offset = 0
                carry = []
                skipping = false
            }
            if let maxBytes, size - offset > Int64(maxBytes) {
                counters.bytesSkipped += size - Int64(maxBytes) - offset
                offset = size - Int64(maxBytes)
                carry = []
                skipping = true // resynchronise at the next newline
                joiner = LineJoiner(maxBytes: maxLineBytes)
            }
            consume(from: offset, to: size, emit: body)
            guard rotated() else { return }
            // The writer may have added to the old file after its size was read above; once the
            // new file exists it writes there only, so the old one is complete now: drain it.
            consume(from: offset, to: fileSize(), emit: body)
            close(fd)
            fd = -1
            carry = []
            skipping = false
            guard openFile() else { return }
        }
    }

    /// Passes on each batch of new lines until the supervisor exits — then once more what it
    /// wrote last, and any line left without its end — or until a record past the window's
    /// `until` appears. Waits on the supervisor's pidfd between polls, so its exit ends the
    /// follow at once and new output shows within `interval` seconds.
    public func follow(until supervisor: SupervisorWatch, interval: Double = 0.05, _ body: ([LogLine]) -> Void) {
        var exited = false
        while true {
            let batch = poll()
            if !batch.isEmpty { body(batch) }
            if exited || reachedUntil {
                var rest: [LogLine] = []
                joiner.flush { rest.append($0) }
                if !rest.isEmpty { body(rest) }
                return
            }
            exited = supervisor.waitForExit(timeout: interval)
        }
    }

    /// What waits for its end, passed on now (a follower that stops early).
    public func flush() -> [LogLine] {
        var out: [LogLine] = []
        joiner.flush { out.append($0) }
        return out
    }

    // MARK: - File access

    @discardableResult
    func openFile() -> Bool {
        let f = open(path, O_RDONLY | O_CLOEXEC)
        guard f >= 0 else { return false }
        var st = stat()
        fstat(f, &st)
        fd = f
        identity = (UInt64(st.st_dev), UInt64(st.st_ino))
        offset = 0
        return true
    }

    func fileSize() -> Int64 {
        var st = stat()
        return fstat(fd, &st) == 0 ? Int64(st.st_size) : 0
    }

    /// The path names another file than the one open (or none, which is not a rotation yet).
    private func rotated() -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, let identity else { return false }
        return UInt64(st.st_dev) != identity.dev || UInt64(st.st_ino) != identity.ino
    }

    /// pread(2) through the counters.
    func readBytes(into buffer: UnsafeMutableRawBufferPointer, at position: Int64) -> Int {
        guard !buffer.isEmpty else { return 0 }
        let n = pread(fd, buffer.baseAddress, buffer.count, off_t(position))
        counters.reads += 1
        guard n > 0 else { return 0 }
        counters.bytesRead += Int64(n)
        return n
    }

    /// Reads [from, to) record by record into the joiner; the bytes after the last newline wait in
    /// `carry` for the rest of their record.
    func consume(from start: Int64, to end: Int64, emit: (LogLine) -> Void) {
        guard start < end else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 1)
        defer { buffer.deallocate() }
        var pos = start
        while pos < end {
            let n = readBytes(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<Int(min(Int64(Self.chunkSize), end - pos))]), at: pos)
            guard n > 0 else { break }
            pos += Int64(n)
            let data = UnsafeRawBufferPointer(rebasing: buffer[..<n])
            var recordStart = 0
            while recordStart < n, let p = memchr(data.baseAddress! + recordStart, 0x0a, n - recordStart) {
                let newline = data.baseAddress!.distance(to: UnsafeRawPointer(p))
                let piece = UnsafeRawBufferPointer(rebasing: data[recordStart..<newline])
                if skipping {
                    skipping = false
                    counters.bytesSkipped += Int64(carry.count + piece.count)
                    carry.removeAll(keepingCapacity: true)
                } else if carry.isEmpty {
                    record(piece, emit: emit)
                } else if carry.count + piece.count > Self.maxRecordBytes {
                    counters.bytesSkipped += Int64(carry.count + piece.count)
                    carry.removeAll()
                } else {
                    carry.append(contentsOf: piece)
                    carry.withUnsafeBytes { record($0, emit: emit) }
                    carry.removeAll(keepingCapacity: true)
                }
                recordStart = newline + 1
            }
            if recordStart < n {
                if skipping {
                    counters.bytesSkipped += Int64(n - recordStart)
                } else {
                    carry.append(contentsOf: data[recordStart..<n])
                    if carry.count > Self.maxRecordBytes {
                        counters.bytesSkipped += Int64(carry.count)
                        carry.removeAll()
                        skipping = true
                    }
                }
            }
        }
        offset = pos
    }

    private func record(_ r: UnsafeRawBufferPointer, emit: (LogLine) -> Void) {
        guard let h = CRILog.header(r) else { return }
        if let since = window.since, h.nanos < since { return }
        if let until = window.until, h.nanos > until { reachedUntil = true; return }
        joiner.add(h, text: UnsafeRawBufferPointer(rebasing: r[h.textStart...]), emit: emit)
    }
}
