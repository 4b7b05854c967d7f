import BerthOS
import BerthRuntime
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on stderr for imports larger than a few MB: bytes read of the total,
/// layers done, rate. Redrawn at most ten times a second; nothing when stderr is not a terminal.
final class ProgressBar: Sendable {
    private struct State {
        var last = Date.distantPast
        var shown = false
    }

    private let enabled: Bool
    private let start = Date()
    /// Held while drawing, so lines from concurrent layer imports never interleave.
    private let state = Mutex(State())
    static let threshold: UInt64 = 4 << 20

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: ImportProgress) {
        guard enabled, p.bytesTotal >= Self.threshold else { return }
        state.withLock { state in
            let now = Date()
            guard now.timeIntervalSince(state.last) >= 0.1 || p.bytesDone >= p.bytesTotal else { return }
            state.last = now
            let fraction = min(1, Double(p.bytesDone) / Double(max(p.bytesTotal, 1)))
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
            let rate = Double(p.bytesDone) / max(now.timeIntervalSince(start), 0.001)
            let layers = p.layersTotal > 0 ? "  layers \(p.layersDone)/\(p.layersTotal)" : ""
            let line = "[\(bar)] \(ByteSize.format(Int64(p.bytesDone)))/\(ByteSize.format(Int64(p.bytesTotal)))\(layers)  \(ByteSize.format(Int64(rate)))/s"
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            state.shown = true
        }
    }

    func finish() {
        state.withLock { state in
            if state.shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); state.shown = false }
        }
    }
}
