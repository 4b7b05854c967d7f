/// Puts the lines the supervisor cut into P records back together: the P records of a stream are
/// joined with the F record that ends them, and the joined line carries the first record's
/// timestamp. Bytes are joined, not decoded strings, so a character cut at a record boundary
/// comes out whole.
///
/// A line may not grow past `maxBytes` (`LogReader.defaultMaxLineBytes`, 1 MiB): a longer one is
/// passed on in pieces of at most `maxBytes`, each but the last marked partial (`complete` false;
/// the CLI prints them without a newline, so its output is byte for byte the container's). A
/// container that writes without a newline forever therefore holds at most `maxBytes` plus one
/// record per stream here.
struct LineJoiner {
    let maxBytes: Int
    private var stdout: Pending?
    private var stderr: Pending?
    /// The most bytes held for one stream after an `add`: how bounded the joining stayed.
    private(set) var largestPending = 0

    private struct Pending {
        var nanos: Int64
        var bytes: [UInt8]
    }

    init(maxBytes: Int) {
        precondition(maxBytes >= 4, "a line must hold at least one character")
        self.maxBytes = maxBytes
    }

    var isEmpty: Bool { stdout == nil && stderr == nil }

    mutating func add(_ h: CRILog.Header, text: UnsafeRawBufferPointer, emit: (LogLine) -> Void) {
        var p: Pending? = h.stream == .stdout ? stdout : stderr
        if p == nil, h.complete, text.count <= maxBytes {
            // The common case: a whole line in one record.
            emit(LogLine(timestampNanos: h.nanos, stream: h.stream, complete: true, text: String(decoding: text, as: UTF8.self)))
            return
        }
        var cur = p ?? Pending(nanos: h.nanos, bytes: [])
        p = nil
        cur.bytes.append(contentsOf: text)
        while cur.bytes.count > maxBytes {
            let cut = Self.characterBoundary(in: cur.bytes, atMost: maxBytes)
            emit(LogLine(timestampNanos: cur.nanos, stream: h.stream, complete: false,
                         text: String(decoding: cur.bytes[..<cut], as: UTF8.self)))
            cur.bytes.removeFirst(cut)
            cur.nanos = h.nanos
        }
        if h.complete {
            emit(LogLine(timestampNanos: cur.nanos, stream: h.stream, complete: true, text: String(decoding: cur.bytes, as: UTF8.self)))
        } else {
            largestPending = max(largestPending, cur.bytes.count)
            p = cur
        }
        if h.stream == .stdout { stdout = p } else { stderr = p }
    }

    /// Passes on what waits for its F record (the log ended mid-line), stdout first.
    mutating func flush(emit: (LogLine) -> Void) {
        for (stream, p) in [(LogStream.stdout, stdout), (.stderr, stderr)] {
            guard let p else { continue }
            emit(LogLine(timestampNanos: p.nanos, stream: stream, complete: false, text: String(decoding: p.bytes, as: UTF8.self)))
        }
        stdout = nil
        stderr = nil
    }

    /// The largest cut ≤ `limit` that does not split a UTF-8 sequence (falls back to `limit` when
    /// the bytes are not UTF-8 there).
    static func characterBoundary(in bytes: [UInt8], atMost limit: Int) -> Int {
        guard limit < bytes.count else { return bytes.count }
        var cut = limit
        while cut > limit - 4, cut > 0, bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
        return bytes[cut] & 0xC0 == 0x80 || cut == 0 ? limit : cut
    }
}
