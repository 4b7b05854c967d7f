import Foundation

/// The Kubernetes CRI log format the shim writes, one record per line: `TIMESTAMP STREAM TAG TEXT`,
/// TAG `F` for a full line and `P` for a part of a longer one (the supervisor cuts lines at
/// 16 KiB). Records are parsed one at a time here; `LineJoiner` puts P records back together.
public enum CRILog {
    public static func parse(_ line: Substring) -> LogLine? {
        var s = String(line)
        return s.withUTF8 { parse(record: UnsafeRawBufferPointer($0)) }
    }

    public static func parse(_ line: String) -> LogLine? { parse(line[...]) }

    /// A record without its newline.
    static func parse(record: UnsafeRawBufferPointer) -> LogLine? {
        guard let h = header(record) else { return nil }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: record[h.textStart...]), as: UTF8.self)
        return LogLine(timestampNanos: h.nanos, stream: h.stream, complete: h.complete, text: text)
    }

    struct Header {
        var nanos: Int64
        var stream: LogStream
        var complete: Bool
        /// Where the text begins (the record's end for an empty text).
        var textStart: Int
    }

    /// Everything but the text, without copying it.
    static func header(_ r: UnsafeRawBufferPointer) -> Header? {
        guard let sp = r.firstIndex(of: 0x20),
              let ts = Timestamp(rfc3339UTF8: UnsafeRawBufferPointer(rebasing: r[..<sp])),
              let nanos = ts.unixNanoseconds else { return nil }
        // "stdout F" / "stderr P": fixed width after the timestamp.
        let s = sp + 1
        guard r.count >= s + 8, r[s] == 0x73, r[s + 1] == 0x74, r[s + 2] == 0x64, r[s + 6] == 0x20 else { return nil }
        let stream: LogStream
        switch (r[s + 3], r[s + 4], r[s + 5]) {
        case (0x6f, 0x75, 0x74): stream = .stdout // "out"
        case (0x65, 0x72, 0x72): stream = .stderr // "err"
        default: return nil
        }
        let complete: Bool
        switch r[s + 7] {
        case 0x46: complete = true  // F
        case 0x50: complete = false // P
        default: return nil
        }
        let tagEnd = s + 8
        if tagEnd == r.count { return Header(nanos: nanos, stream: stream, complete: complete, textStart: tagEnd) }
        guard r[tagEnd] == 0x20 else { return nil }
        return Header(nanos: nanos, stream: stream, complete: complete, textStart: tagEnd + 1)
    }
}
