import BerthRuntime

/// A read of the followed log file that the logs pane asks for; the sampler thread does it (never
/// the input path) and answers with `DashboardEvent.logPage`, `.logSearch` or `.logSaved`.
public enum LogsRequest: Equatable, Sendable {
    /// The lines before the held ones (`LogsWindow.olderAnchor`).
    case older(before: Int64, skipping: Int)
    /// The lines after the held ones, when the window no longer reaches the live end.
    case newer(after: Int64)
    /// The range's first lines (`g`) or its last (`G` under `:until`).
    case first, last
    /// Limit the view to a time range (empty: the whole file) and show its end.
    case range(LogsTimeRange)
    /// Search the file beyond the held lines, from a byte offset, older lines first or newer.
    case search(term: String, from: Int64, older: Bool)
    case cancelSearch
    /// Write the view's lines (the whole range, from the file) to a file of the user's.
    case save(path: String, overwrite: Bool, stream: StreamFilter, timestamps: Bool)
}

/// Where lines delivered with `.logLines` lie in the file.
public struct LogsExtent: Sendable, Equatable {
    public var start: Int64
    public var end: Int64
    public init(start: Int64, end: Int64) { self.start = start; self.end = end }
}

/// A page read for the logs pane, and where it goes.
public struct LogsPageRead: Sendable, Equatable {
    public enum Placement: Sendable, Equatable {
        /// Above or below the held lines.
        case older, newer
        /// Replacing them, the view at the page's first line or its last.
        case top, bottom
        /// Replacing them: a search found `line` (an index into the page).
        case hit(line: Int)
    }

    public var page: LogPage
    public var placement: Placement
    /// The range's bounds (`LogsWindow.floor`, `.ceiling`) and the end of the file's records.
    public var floor: Int64
    public var ceiling: Int64?
    public var fileEnd: Int64
    /// The page reaches the live end: lines appended from now on follow it.
    public var attached: Bool

    public init(page: LogPage, placement: Placement, floor: Int64, ceiling: Int64?, fileEnd: Int64, attached: Bool) {
        self.page = page; self.placement = placement; self.floor = floor; self.ceiling = ceiling
        self.fileEnd = fileEnd; self.attached = attached
    }
}

/// How a search through the file is going.
public enum LogSearchReport: Sendable, Equatable {
    case progress(Double)
    case notFound(older: Bool)
    case failed(String)
}
