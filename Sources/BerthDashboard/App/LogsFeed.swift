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
    /// The followed file's reader: it follows the tail and pages through the rest.
    private(set) var reader: LogReader?
    /// Where the lines of the last `follow` lie in the file (nil without a file).
    private(set) var extent: LogsExtent?
    /// The time range's bounds in the file (`LogsWindow.floor`, `.ceiling`).
    var floor: Int64 = 0
    var ceiling: Int64?
    /// A search through the file, stepped between the sampler's other work.
    var search: LogSearch?
    /// How long one step of it may take before the sampler does its other work and sees a cancel.
    var searchStepSeconds = LogSearch.stepSeconds
    var searchOlder = true
    private var lastTail: [LogLine] = []
    /// Following a service (`LogsSource.serviceKey`): one reader per replica, each line prefixed
    /// with its replica's name.
    private var replicas: [(prefix: String, reader: LogReader)] = []
    /// Following a service on another host (no file to read): its replicas' tails, re-read and
    /// merged on each poll (`FleetEngine.tailLogs` refreshes them in the background).
    private var remoteReplicas: [(prefix: String, id: String, limit: Int)] = []

    init(engine: any ContainerEngine) { self.engine = engine }

    /// Switches to `id`; returns the initial tail.
    func follow(_ id: String?) -> [LogLine] {
        self.id = id
        reader = nil
        extent = nil
        replicas = []
        remoteReplicas = []
        floor = 0
        ceiling = nil
        search = nil
        guard let id else { return [] }
        if let service = LogsSource.service(of: id) { return followService(service) }
        guard let path = try? engine.logPath(id) else {
            lastTail = (try? engine.tailLogs(id, limit: Self.initialLines)) ?? []
            return lastTail
        }
        let r = LogReader(path: path, maxLineBytes: Self.maxLineBytes)
        reader = r
        // A line still being written stays in the reader and comes whole with its end.
        let lines = r.lines(LogReader.Window(tail: Self.initialLines), flushPartials: false)
        extent = LogsExtent(start: r.readStart, end: r.position)
        return lines
    }

    /// New complete lines since the last call and where they lie in the file (nil without a
    /// file); `reset` when the engine gives no file to follow and the tail was re-read instead
    /// (then `lines` replaces what the pane holds).
    func poll() -> (lines: [LogLine], reset: Bool, extent: LogsExtent?) {
        guard let id else { return ([], false, nil) }
        if !replicas.isEmpty {
            let share = max(64 << 10, Self.maxChunk / replicas.count)
            return (Self.merge(replicas.map { r in r.reader.poll(maxBytes: share).map { Self.prefixed($0, r.prefix) } }), false, nil)
        }
        if !remoteReplicas.isEmpty {
            let tail = remoteServiceTail()
            if tail == lastTail { return ([], false, nil) }
            lastTail = tail
            return (tail, true, nil)
        }
        if LogsSource.service(of: id) != nil { return ([], false, nil) }
        if let reader {
            let start = reader.position
            return (reader.poll(maxBytes: Self.maxChunk), false, LogsExtent(start: start, end: reader.position))
        }
        let tail = (try? engine.tailLogs(id, limit: Self.initialLines)) ?? []
        if tail == lastTail { return ([], false, nil) }
        lastTail = tail
        return (tail, true, nil)
    }

    /// The replicas of `service` at the moment it is selected (one listing), their tails merged
    /// by time; a replica added later shows once the heading is selected again.
    private func followService(_ service: String) -> [LogLine] {
        let members = ((try? engine.list(all: true)) ?? []).filter { $0.service == service }
            .sorted { NaturalOrder.compare($0.name, $1.name) < 0 }
        guard !members.isEmpty else { return [] }
        let each = max(50, Self.initialLines / members.count)
        var tails: [[LogLine]] = []
        for c in members {
            let prefix = c.name + " | "
            guard let path = try? engine.logPath(c.id) else {
                // A replica on another host: its tail, as a remote container's logs are read.
                remoteReplicas.append((prefix, c.id, each))
                continue
            }
            let r = LogReader(path: path, maxLineBytes: Self.maxLineBytes)
            replicas.append((prefix, r))
            tails.append(r.lines(LogReader.Window(tail: each), flushPartials: false).map { Self.prefixed($0, prefix) })
        }
        guard replicas.isEmpty else { return Self.merge(tails) }
        lastTail = remoteServiceTail()
        return lastTail
    }

    /// The remote replicas' tails merged by time, each line prefixed with its replica's name.
    private func remoteServiceTail() -> [LogLine] {
        Self.merge(remoteReplicas.map { r in ((try? engine.tailLogs(r.id, limit: r.limit)) ?? []).map { Self.prefixed($0, r.prefix) } })
    }

    static func prefixed(_ line: LogLine, _ prefix: String) -> LogLine {
        var l = line
        l.text = prefix + l.text
        return l
    }

    /// Lines of several replicas in time order (each replica's own order kept for equal times).
    static func merge(_ lists: [[LogLine]]) -> [LogLine] {
        let all = lists.enumerated().flatMap { (i, list) in list.enumerated().map { (i, $0, $1) } }
        return all.sorted { a, b in
            a.2.timestampNanos != b.2.timestampNanos ? a.2.timestampNanos < b.2.timestampNanos : (a.0, a.1) < (b.0, b.1)
        }.map(\.2)
    }
}
