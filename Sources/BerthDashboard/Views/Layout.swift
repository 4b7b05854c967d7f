/// A rectangle of cells.
public struct Rect: Equatable, Sendable {
    public var x, y, width, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) { self.x = x; self.y = y; self.width = width; self.height = height }

    public func contains(row: Int, column: Int) -> Bool {
        row >= y && row < y + height && column >= x && column < x + width
    }

    /// The inside of a bordered box.
    public var inner: Rect { Rect(x: x + 1, y: y + 1, width: max(0, width - 2), height: max(0, height - 2)) }
}

/// Where each pane goes for a terminal size. Pure, so the reducer (page sizes, mouse hits) and the
/// view agree on it.
public struct Layout: Equatable, Sendable {
    public static let minimum = TerminalSize(columns: 80, rows: 24)

    public var header: Rect
    public var containers: Rect?
    public var detail: Rect?
    public var logs: Rect?
    public var status: Rect
    public var tooSmall: Bool
    /// Small terminals show detail or logs below the table, not both.
    public var compact: Bool

    public static func compute(size: TerminalSize, focus: Pane, logsFullscreen: Bool, headerHeight: Int = 2) -> Layout {
        let w = size.columns, h = size.rows
        let status = Rect(x: 0, y: max(0, h - 1), width: w, height: 1)
        guard w >= minimum.columns, h >= minimum.rows else {
            return Layout(header: Rect(x: 0, y: 0, width: w, height: 0), containers: nil, detail: nil, logs: nil,
                          status: status, tooSmall: true, compact: true)
        }
        let header = Rect(x: 0, y: 0, width: w, height: headerHeight)
        let bodyTop = header.height
        let bodyHeight = h - header.height - status.height
        if logsFullscreen {
            return Layout(header: header, containers: nil, detail: nil,
                          logs: Rect(x: 0, y: bodyTop, width: w, height: bodyHeight), status: status, tooSmall: false, compact: false)
        }
        let compact = w < 110 || h < 34
        if compact {
            let tableHeight = bodyHeight - bodyHeight * 9 / 20
            let table = Rect(x: 0, y: bodyTop, width: w, height: tableHeight)
            let bottom = Rect(x: 0, y: bodyTop + tableHeight, width: w, height: bodyHeight - tableHeight)
            return Layout(header: header, containers: table, detail: focus == .logs ? nil : bottom,
                          logs: focus == .logs ? bottom : nil, status: status, tooSmall: false, compact: true)
        }
        let bottomHeight = max(19, bodyHeight / 2)
        let tableHeight = bodyHeight - bottomHeight
        let table = Rect(x: 0, y: bodyTop, width: w, height: tableHeight)
        let detailWidth = min(72, max(56, w * 2 / 5))
        let detail = Rect(x: 0, y: bodyTop + tableHeight, width: detailWidth, height: bottomHeight)
        let logs = Rect(x: detailWidth, y: bodyTop + tableHeight, width: w - detailWidth, height: bottomHeight)
        return Layout(header: header, containers: table, detail: detail, logs: logs, status: status, tooSmall: false, compact: false)
    }

    /// Everything between the header and the status bar: the events view's pane.
    public var body: Rect { Rect(x: 0, y: header.y + header.height, width: status.width, height: max(0, status.y - header.y - header.height)) }
    /// Lines the inspect view shows (inside the border).
    public var bodyLines: Int { max(1, body.height - 2) }
    /// Events the events view shows (inside the border, under the column headings).
    public var eventRows: Int { max(1, body.height - 3) }

    /// Rows of containers the table shows (inside the border, under the column headings).
    public var tableRows: Int { max(1, (containers?.height ?? 3) - 3) }
    /// Lines of log the logs pane shows.
    public var logRows: Int { max(1, (logs?.height ?? 3) - 2) }

    public func pane(atRow row: Int, column: Int) -> Pane? {
        if let r = containers, r.contains(row: row, column: column) { return .containers }
        if let r = detail, r.contains(row: row, column: column) { return .detail }
        if let r = logs, r.contains(row: row, column: column) { return .logs }
        return nil
    }
}
