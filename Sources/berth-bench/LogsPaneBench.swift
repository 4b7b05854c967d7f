import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The logs pane on a large log (2 GiB; 256 MiB with --quick): the time to open it at the tail
/// (what `LogsFeed.follow` reads) and at its first line (`g`), and to search all of it for a term
/// or a regex it does not hold (`LogSearch`, what `n` runs past the held lines), as MB/s and CPU time. The
/// file is written under /var/tmp and removed after; it is read from the page cache (it was just
/// written), so the figures are the scanner's, not the disk's.
enum LogsPaneBench {
    static let recordBytes = 100

    static func run(_ ctx: BenchContext) throws {
        let size: Int64 = ctx.quick ? 256 << 20 : 2 << 30
        let dir = String(cString: mkdtemp(strdup("/var/tmp/berth-bench-logs-XXXXXX")))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/c.log"
        FileHandle.standardError.write(Data("logs: writing \(size >> 20) MiB of CRI log to \(path)\n".utf8))
        try write(path, bytes: size)
        let bench = "logs pane, \(size >> 20) MiB CRI log (\(size / Int64(recordBytes)) lines of 100 bytes, page cache)"
        let runs = ctx.quick ? 3 : 5

        var open: [UInt64] = [], openCPU: [UInt64] = []
        var first: [UInt64] = []
        for _ in 0..<runs {
            try StopFlag.shared.check()
            let c0 = CPUTime.selfAndChildren(), t0 = Clock.now()
            let reader = LogReader(path: path, maxLineBytes: 64 << 10)
            let lines = reader.lines(LogReader.Window(tail: 1000), flushPartials: false)
            open.append(Clock.now() - t0)
            openCPU.append(CPUTime.selfAndChildren() - c0)
            if lines.count != 1000 { ctx.report.problem("logs: the tail has \(lines.count) lines, not 1000") }
            let t1 = Clock.now()
            let page = reader.page(after: 0, lines: 1000, limit: reader.position)
            first.append(Clock.now() - t1)
            if page.lines.first?.text.hasPrefix("line 000000000") != true { ctx.report.problem("logs: g did not reach the first line") }
        }
        if let s = Summary(nanos: open), let c = Summary(nanos: openCPU) {
            ctx.report.add(ResultRow(benchmark: bench, subject: "open at the tail (last 1000 lines)", n: "\(runs)",
                                     median: Fmt.ms(s.median), p90: Fmt.ms(s.p90), target: "≤ 100 ms", met: s.median <= 100e6,
                                     cpu: Fmt.ms(c.median)))
        }
        if let s = Summary(nanos: first) {
            ctx.report.add(ResultRow(benchmark: bench, subject: "g: the first 1000 lines", n: "\(runs)",
                                     median: Fmt.ms(s.median), p90: Fmt.ms(s.p90)))
        }

        // A term with letters (each block case-folded first), one without (memmem alone), a regex
        // with a required literal (memmem, then regexec only where it is) and one without (regexec
        // on every record: the slow case, measured so the docs can say what it costs).
        // The regexes run twice: in the C locale, and in C.UTF-8 as the dashboard runs (regcomp
        // then compiles for multibyte text, which glibc matches more slowly).
        let regexes = [("re:no such term [0-9]+ here", "regex with a literal: pre-filtered"),
                       ("re:^line [0-9]+ (fail|panic)", "regex without a literal: regexec per line")]
        let terms = [("no such Term here", "text with letters: case folded", "C"), ("#%#%#%", "text without letters", "C")]
            + regexes.map { ($0.0, $0.1, "C") } + regexes.map { ($0.0, $0.1, "C.UTF-8") }
        defer { setlocale(LC_CTYPE, "C") }
        for (term, what, locale) in terms {
            guard setlocale(LC_CTYPE, locale) != nil else {
                ctx.report.note("logs: no \(locale) locale here: the regex search in it was not measured")
                continue
            }
            let kind = term.hasPrefix("re:") ? "\(what), \(locale) locale" : what
            var wall: [UInt64] = [], cpu: [UInt64] = []
            // regexec on every one of 21 million lines takes tens of seconds: one run is enough to say so.
            let slow = what.hasSuffix("per line")
            for _ in 0..<(slow ? 1 : runs) {
                try StopFlag.shared.check()
                let end = LogReader(path: path).recordsEnd
                let c0 = CPUTime.selfAndChildren(), t0 = Clock.now()
                let search = try LogSearch(path: path, term: term, from: end, direction: .backward, limit: end)
                var step = search.step()
                while case .progress = step {
                    try StopFlag.shared.check()
                    step = search.step()
                }
                wall.append(Clock.now() - t0)
                cpu.append(CPUTime.selfAndChildren() - c0)
                if step != .notFound || search.bytesScanned != end {
                    ctx.report.problem("logs: the search for an absent term ended with \(step) after \(search.bytesScanned) of \(end) bytes")
                }
            }
            if let s = Summary(nanos: wall), let c = Summary(nanos: cpu) {
                let mbps = Double(size) / 1e6 / (s.median / 1e9)
                ctx.report.add(ResultRow(benchmark: bench, subject: "search the whole file for an absent term (\(kind))",
                                         n: "\(wall.count)", median: Fmt.ms(s.median), p90: Fmt.ms(s.p90), target: slow ? "" : "≥ 500 MB/s",
                                         met: slow ? nil : mbps >= 500, note: String(format: "%.0f MB/s", mbps), cpu: Fmt.ms(c.median)))
            }
        }
    }

    /// `bytes` of records `TIMESTAMP stdout F line NNNNNNNNNNNNN xxx…`, 100 bytes each, a
    /// millisecond apart; written in 8 MiB pieces whose digits are filled in place.
    static func write(_ path: String, bytes: Int64) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BenchError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let perChunk = (8 << 20) / recordBytes
        let head = Array("2026-11-29T00:00:00.000000000Z stdout F line ".utf8)
        var template = head + Array("0000000000000 ".utf8)
        template += [UInt8](repeating: UInt8(ascii: "x"), count: recordBytes - 1 - template.count) + [0x0a]
        var chunk = [UInt8](repeating: 0, count: perChunk * recordBytes)
        for k in 0..<perChunk { chunk.replaceSubrange((k * recordBytes)..<((k + 1) * recordBytes), with: template) }
        let records = Int(bytes / Int64(recordBytes))
        var i = 0
        while i < records {
            let n = min(perChunk, records - i)
            chunk.withUnsafeMutableBufferPointer { b in
                for k in 0..<n {
                    let r = k * recordBytes
                    var v = i + k
                    // The line number, and the time as seconds of the day (i ms from midnight).
                    for d in stride(from: head.count + 12, through: head.count, by: -1) { b[r + d] = UInt8(48 + v % 10); v /= 10 }
                    var ms = (i + k) % 86_400_000
                    for d in [22, 21, 20] { b[r + d] = UInt8(48 + ms % 10); ms /= 10 }
                    var s = ms
                    for (d, base) in [(18, 10), (17, 6), (15, 10), (14, 6), (12, 10), (11, 3)] { b[r + d] = UInt8(48 + s % base); s /= base }
                }
            }
            let want = n * recordBytes
            let written = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, want) }
            guard written == want else { throw BenchError("writing \(path) failed: \(String(cString: strerror(errno)))") }
            i += n
        }
    }
}
