import BerthRuntime
import Foundation

/// The logs pane's source: the selected container's last lines, then what is appended, read by a
/// runtime `LogReader` (backwards for the tail, then only the new bytes, so a log of millions of
/// lines costs nothing per tick). Used only from the sampler thread.
final class LogsFeed {
    static let initialLines = 1000
    /// Most bytes read per poll; a faster writer is skipped ahead of rather than stalling the dashboard.
    static let maxChunk = 1 << 20
    /// The pane shows at most a screen of one line, so lines are handed over in pieces of at most
    /// this (a container writing without newlines costs the pane `initialLines` pieces, not its log).
    static let maxLineBytes = 64 << 10

    private let engine: any ContainerEngine
    private(set) var id: String?
    private var reader: LogReader?
    private var lastTail: [LogLine] = []

    init(engine: any ContainerEngine) { self.engine = engine }

    /// Switches to `id`; returns the initial tail.
    func follow(_ id: String?) -> [LogLine] {
        self.id = id
        reader = nil
        guard let id else { return [] }
        guard let path = try? engine.logPath(id) else {
            lastTail = (try? engine.tailLogs(id, limit: Self.initialLines)) ?? []
            return lastTail
        }
        let r = LogReader(path: path, maxLineBytes: Self.maxLineBytes)
        reader = r
        // A line still being written stays in the reader and comes whole with its end.
        return r.lines(LogReader.Window(tail: Self.initialLines), flushPartials: false)
    }

    /// New complete lines since the last call; `reset` when the engine gives no file to follow and
    /// the tail was re-read instead (then `lines` replaces what the pane holds).
    func poll() -> (lines: [LogLine], reset: Bool) {
        guard let id else { return ([], false) }
        if let reader { return (reader.poll(maxBytes: Self.maxChunk), false) }
        let tail = (try? engine.tailLogs(id, limit: Self.initialLines)) ?? []
        if tail == lastTail { return ([], false) }
        lastTail = tail
        return (tail, true)
    }
}
