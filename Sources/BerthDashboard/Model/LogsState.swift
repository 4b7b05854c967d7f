import BerthRuntime

/// Which of a container's output streams the logs pane shows; `v` cycles.
public enum StreamFilter: String, CaseIterable, Sendable {
    case both, stdout, stderr

    func admits(_ s: LogStream) -> Bool {
        switch self {
        case .both: return true
        case .stdout: return s == .stdout
        case .stderr: return s == .stderr
        }
    }
}

/// The logs pane's state: a bounded tail of the selected container's log and how it is viewed.
public struct LogsState: Sendable {
    /// Lines kept in memory; older ones are dropped (the file keeps them).
    public static let capacity = 5000

    public var containerID: String?
    public private(set) var lines: [LogLine] = []
    /// Lines above the bottom the view is scrolled; 0 shows the newest.
    public var scrollFromBottom = 0
    public var follow = true
    public var showTimestamps = false
    public var wrap = false
    public var stream = StreamFilter.both
    public var search = ""
    /// Index into `visibleLines` of the current match.
    public var matchIndex: Int?

    public init() {}

    public mutating func reset(for id: String?) {
        // A search belongs to the log it was typed in, not to the next container's.
        if id != containerID { search = "" }
        containerID = id
        lines = []
        scrollFromBottom = 0
        follow = true
        matchIndex = nil
    }

    public mutating func append(_ new: [LogLine]) {
        lines.append(contentsOf: new)
        if lines.count > LogsState.capacity {
            let drop = lines.count - LogsState.capacity
            lines.removeFirst(drop)
            if let m = matchIndex { matchIndex = m >= drop ? m - drop : nil }
        }
        if !follow, stream.admits(.stdout) || stream.admits(.stderr) {
            // Keep the same lines on screen while the user reads older output.
            scrollFromBottom += new.filter { stream.admits($0.stream) }.count
        }
    }

    public var visibleLines: [LogLine] {
        stream == .both ? lines : lines.filter { stream.admits($0.stream) }
    }
}
