import BerthRuntime
import Foundation

/// Follows one container's log: a tail first (the engine reads it from the end of the file), then
/// only the bytes appended since, so a log of millions of lines costs nothing per tick.
/// Used only from the sampler thread.
final class LogFollower {
    static let initialLines = 1000
    /// Most bytes read per poll; a faster writer skips ahead rather than stalling the dashboard.
    static let maxChunk = 1 << 20

    private let engine: any ContainerEngine
    private(set) var id: String?
    private var handle: FileHandle?
    private var offset: UInt64 = 0
    private var partial = Data()
    private var pendingLine: LogLine?
    private var lastTail: [LogLine] = []

    init(engine: any ContainerEngine) { self.engine = engine }

    deinit { try? handle?.close() }

    /// Switches to `id`; returns the initial tail.
    func follow(_ id: String?) -> [LogLine] {
        try? handle?.close()
        handle = nil; partial = Data(); pendingLine = nil; offset = 0
        self.id = id
        guard let id else { return [] }
        // Remember the size before reading the tail: anything written after is read as new.
        if let path = try? engine.logPath(id), let h = FileHandle(forReadingAtPath: path) {
            handle = h
            offset = (try? h.seekToEnd()) ?? 0
        }
        lastTail = (try? engine.tailLogs(id, limit: LogFollower.initialLines)) ?? []
        return lastTail
    }

    /// New complete lines since the last call, or nil when the engine gives no file to follow and
    /// the tail was re-read instead (then `lines` replaces what the pane holds).
    func poll() -> (lines: [LogLine], reset: Bool) {
        guard let id else { return ([], false) }
        guard let handle else {
            let tail = (try? engine.tailLogs(id, limit: LogFollower.initialLines)) ?? []
            if tail == lastTail { return ([], false) }
            lastTail = tail
            return (tail, true)
        }
        guard let end = try? handle.seekToEnd() else { return ([], false) }
        if end < offset {
            // Truncated or rotated: start over at the beginning.
            offset = 0; partial = Data()
        }
        guard end > offset else { return ([], false) }
        var start = offset
        if end - start > UInt64(LogFollower.maxChunk) { start = end - UInt64(LogFollower.maxChunk); partial = Data() }
        try? handle.seek(toOffset: start)
        let data = (try? handle.read(upToCount: Int(end - start))) ?? Data()
        offset = start + UInt64(data.count)
        partial.append(data)
        guard let lastNewline = partial.lastIndex(of: 0x0a) else { return ([], false) }
        let complete = partial[partial.startIndex...lastNewline]
        partial = Data(partial[(lastNewline + 1)...])
        var out: [LogLine] = []
        for raw in complete.split(separator: 0x0a, omittingEmptySubsequences: true) {
            guard let line = CRILog.parse(String(decoding: raw, as: UTF8.self)) else { continue }
            if var p = pendingLine {
                p.text += line.text
                p.complete = line.complete
                pendingLine = p.complete ? nil : p
                if p.complete { out.append(p) }
            } else if line.complete {
                out.append(line)
            } else {
                pendingLine = line
            }
        }
        return (out, false)
    }
}
