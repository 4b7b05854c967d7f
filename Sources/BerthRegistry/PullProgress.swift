import BerthOS
import BerthRuntime
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a pull or push shows, on standard output as docker does: on a terminal, one line per layer
/// with a bar, redrawn in place as bytes arrive; otherwise plain lines, one per event, so logs and
/// tests read them. `quiet` shows nothing.
public final class PullProgress: Sendable {
    public enum Mode: Sendable { case quiet, plain, bars }
    let mode: Mode
    private struct Row { var id: String; var status: String; var done: Int64; var total: Int64 }
    private struct State { var rows: [Row] = []; var drawn = 0; var lastDraw: UInt64 = 0 }
    private let state = Mutex(State())

    public init(mode: Mode) { self.mode = mode }

    public static func forStdout(quiet: Bool) -> PullProgress {
        PullProgress(mode: quiet ? .quiet : isatty(STDOUT_FILENO) == 1 ? .bars : .plain)
    }

    static func short(_ d: Digest) -> String { String(d.hex.prefix(12)) }

    func start(_ d: Digest, total: Int64) {
        update(d, status: "Downloading", done: 0, total: total, plain: "\(Self.short(d)): Downloading \(Self.size(total))")
    }

    func advance(_ d: Digest, done: Int64) {
        guard mode == .bars else { return }
        state.withLock { s in
            if let i = s.rows.firstIndex(where: { $0.id == Self.short(d) }) { s.rows[i].done = done }
            let now = DispatchTime.now().uptimeNanoseconds
            if now - s.lastDraw > 100_000_000 { s.lastDraw = now; draw(&s) }
        }
    }

    func line(_ d: Digest, _ status: String) {
        update(d, status: status, done: -1, total: -1, plain: "\(Self.short(d)): \(status)")
    }

    public func message(_ text: String) {
        guard mode != .quiet else { return }
        write(text + "\n")
    }

    private func update(_ d: Digest, status: String, done: Int64, total: Int64, plain: String) {
        switch mode {
        case .quiet: return
        case .plain: write(plain + "\n")
        case .bars:
            state.withLock { s in
                let id = Self.short(d)
                if let i = s.rows.firstIndex(where: { $0.id == id }) {
                    s.rows[i].status = status
                    if total >= 0 { s.rows[i].total = total; s.rows[i].done = done }
                } else {
                    s.rows.append(Row(id: id, status: status, done: max(done, 0), total: max(total, 0)))
                }
                draw(&s)
            }
        }
    }

    /// Moves up over the rows drawn before and draws them all again (cursor movement only: no
    /// alternate screen, so the final state stays in the scrollback like docker's).
    private func draw(_ s: inout State) {
        var out = s.drawn > 0 ? "\u{1B}[\(s.drawn)A" : ""
        for row in s.rows {
            var text = "\(row.id): \(row.status)"
            if row.status == "Downloading", row.total > 0 {
                let width = 30
                let filled = Int(min(row.done, row.total) * Int64(width) / row.total)
                text += " [" + String(repeating: "=", count: filled) + (filled < width ? ">" : "")
                    + String(repeating: " ", count: max(0, width - filled - 1)) + "] \(Self.size(row.done))/\(Self.size(row.total))"
            }
            out += "\u{1B}[2K" + text + "\n"
        }
        s.drawn = s.rows.count
        write(out)
    }

    private func write(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(STDOUT_FILENO, raw.baseAddress! + off, raw.count - off)
                if n <= 0 { if errno == EINTR { continue }; return }
                off += n
            }
        }
    }

    static func size(_ n: Int64) -> String {
        if n >= 1 << 20 { return String(format: "%.1fMB", Double(n) / 1_048_576) }
        if n >= 1 << 10 { return String(format: "%.1fkB", Double(n) / 1024) }
        return "\(n)B"
    }
}
