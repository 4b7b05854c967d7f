import BerthRuntime

/// Which bytes of the log file the logs pane holds, in pages: older pages are read in at the top
/// as the view scrolls up, and whole pages are dropped at the far end, so a log of any size costs
/// at most `LogsState.capacity` lines and the dropped ones can be read again by offset.
public struct LogsWindow: Sendable, Equatable {
    public struct Page: Sendable, Equatable {
        public var lines: Int
        /// Where the page's first line starts; nil when some of its lines were dropped from the
        /// top (then older lines are found by counting back from `end`).
        public var start: Int64?
        public var end: Int64
    }

    public private(set) var pages: [Page]
    /// Where the view's range begins: 0, or the first record of `:since`.
    public var floor: Int64 = 0
    /// Where it ends under `:until` (the first record after it); nil: the live end of the file.
    public var ceiling: Int64?
    /// The end of the file's records as last seen.
    public var fileEnd: Int64
    /// The last page reaches the live end, so appended lines join the window.
    public var attached: Bool

    public init(page: LogPage, floor: Int64 = 0, ceiling: Int64? = nil, fileEnd: Int64, attached: Bool) {
        pages = [Page(lines: page.lines.count, start: page.start, end: page.end)]
        self.floor = floor
        self.ceiling = ceiling
        self.fileEnd = max(fileEnd, page.end)
        self.attached = attached
    }

    public var start: Int64? { pages.first?.start }
    public var end: Int64 { pages.last?.end ?? floor }
    public var heldLines: Int { pages.reduce(0) { $0 + $1.lines } }
    /// Nothing older to read: the first held line is the range's first.
    public var reachesStart: Bool { start.map { $0 <= floor } ?? false }
    /// Nothing newer to read: the live end is held, or the `:until` end.
    public var reachesEnd: Bool { attached || end >= (ceiling ?? fileEnd) }

    /// Where older lines are read from: before the first page, skipping the lines of it that are
    /// held when its start is not known.
    public var olderAnchor: (before: Int64, skipping: Int) {
        guard let first = pages.first else { return (floor, 0) }
        return first.start.map { ($0, 0) } ?? (first.end, first.lines)
    }

    /// How far into the range `line` (an index into the held lines) is, by byte offset, 0...100:
    /// the position indicator (a line's own offset is estimated within its page).
    public func percent(atLine line: Int) -> Int {
        let total = (ceiling ?? fileEnd) - floor
        guard total > 0 else { return 100 }
        var index = line
        for p in pages {
            if index < p.lines || p == pages.last {
                let start = p.start ?? p.end
                let at = start + Int64(Double(p.end - start) * Double(min(index, p.lines)) / Double(max(1, p.lines)))
                return Int(min(100, max(0, (at - floor) * 100 / total)))
            }
            index -= p.lines
        }
        return 100
    }

    mutating func prepend(_ page: LogPage) {
        pages.insert(Page(lines: page.lines.count, start: page.start, end: page.end), at: 0)
    }

    mutating func append(_ page: LogPage) {
        pages.append(Page(lines: page.lines.count, start: page.start, end: page.end))
        fileEnd = max(fileEnd, page.end)
    }

    /// Lines that followed the live end: they join the last page while it is small, so pages
    /// stay a size worth dropping.
    mutating func appendTail(lines count: Int, end: Int64) {
        fileEnd = max(fileEnd, end)
        // Bytes without a line (skipped, or not CRI): the last page now ends after them.
        if count == 0, !pages.isEmpty { pages[pages.count - 1].end = max(self.end, end); return }
        if let last = pages.last, last.lines + count <= LogsState.pageLines {
            pages[pages.count - 1].lines += count
            pages[pages.count - 1].end = end
        } else {
            pages.append(Page(lines: count, start: self.end, end: end))
        }
    }

    /// Drops the first page, or `count` lines of it when fewer; returns the lines dropped.
    mutating func dropFirst(atMost count: Int) -> Int {
        guard !pages.isEmpty else { return 0 }
        if pages[0].lines <= count {
            return pages.removeFirst().lines
        }
        pages[0].lines -= count
        pages[0].start = nil
        return count
    }

    /// Drops the last page (the window no longer reaches the live end); returns its lines.
    mutating func dropLast() -> Int {
        guard pages.count > 1 else { return 0 }
        attached = false
        return pages.removeLast().lines
    }
}
