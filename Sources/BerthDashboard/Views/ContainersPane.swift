import BerthRuntime

/// The table of containers, grouped by service.
enum ContainersPane {
    typealias Column = ContainerColumn

    /// Which columns fit in `width` and how wide each is: the essentials first, then the rest by
    /// usefulness; spare room widens the name and the image. With the user's `columns:` (config),
    /// exactly those in that order (the state glyph first, the name always), the last ones left
    /// out when they do not fit.
    /// `hostWidth`: over several hosts, the widest host name; the HOST column is then always shown.
    static func columns(width: Int, chosen configured: [Column]? = nil, hostWidth: Int? = nil) -> [(Column, Int)] {
        let hostColumn = min(12, max(4, hostWidth ?? 0))
        func used(_ set: Set<Column>) -> Int { set.reduce(0) { $0 + ($1 == .host ? hostColumn : $1.width) + 1 } - 1 }
        let host: [Column] = hostWidth == nil ? [] : [.host]
        var chosen: Set<Column>
        var order = Column.allCases.filter { $0 != .host || hostWidth != nil }
        if let configured {
            order = [.state] + host + (configured.contains(.name) ? [] : [.name]) + configured.filter { $0 != .state && $0 != .host }
            chosen = Set([.state, .name] + host)
            for c in order where !chosen.contains(c) {
                if used(chosen.union([c])) > width { break }
                chosen.insert(c)
            }
        } else {
            let essentials: [Column] = [.state, .name, .cpu, .memory, .pids, .uptime] + host
            let optional: [Column] = [.net, .memoryBar, .spark, .restarts, .io, .image]
            chosen = Set(essentials)
            for c in optional where used(chosen.union([c])) <= width { chosen.insert(c) }
        }
        var widths: [Column: Int] = [:]
        for c in chosen { widths[c] = c == .host ? hostColumn : c.width }
        var spare = width - used(chosen)
        let nameExtra = min(spare, chosen.contains(.image) ? 12 : 24); widths[.name]! += nameExtra; spare -= nameExtra
        if chosen.contains(.image) { let e = min(spare, 20); widths[.image]! += e; spare -= e }
        // Past that, names and images gain little: a wide terminal's room goes to the CPU
        // sparkline (more history) rather than to a gap before IMAGE. Names still get up to
        // 16 more columns first, and all that is left when there is no sparkline.
        let moreName = min(spare, 16); widths[.name]! += moreName; spare -= moreName
        if chosen.contains(.spark) { widths[.spark]! += spare } else { widths[.name]! += spare }
        return order.filter { chosen.contains($0) }.map { ($0, widths[$0]!) }
    }

    static func draw(_ m: DashboardModel, in r: Rect, on c: Canvas) {
        let visibleCount = m.visibleIDs.count
        var title = "1 Containers \(visibleCount)/\(m.entries.count)"
        if !m.filter.isEmpty { title += "  /\(m.filter.text)" }
        if !m.showAll { title += "  running only" }
        c.box(r, title: title, focused: m.focus == .containers)
        let inner = r.inner
        guard inner.height > 0, inner.width > 0 else { return }
        let cols = columns(width: inner.width, chosen: m.columns, hostWidth: m.isFleet ? m.hosts.map { TextWidth.of($0.sample.name) }.max() : nil)

        // Column headings, with the sort arrow on the sorted one.
        var x = inner.x
        for (col, w) in cols {
            var t = col.title
            if col.sortKey == m.sort {
                let arrow = c.glyphs.unicode ? (m.sortDescending ? "▼" : "▲") : (m.sortDescending ? "v" : "^")
                // The arrow always shows (the state column has no title, PIDS no room for both):
                // the title gives up letters, not the arrow, and gets no ellipsis.
                let title = String(t.prefix(max(0, w - 1)))
                t = col.alignRight ? arrow + title : title + arrow
            }
            c.cell(t, row: inner.y, column: x, width: w, alignRight: col.alignRight, style: c.style(.columnHeader))
            x += w + 1
        }

        let listTop = inner.y + 1
        let listHeight = inner.height - 1
        if m.rows.isEmpty {
            let message: String
            if m.samples == 0 { message = "Reading containers…" }
            else if m.entries.isEmpty { message = "No containers yet. Start one with: berth run -d --name web IMAGE COMMAND" }
            else if !m.filter.isEmpty { message = "No container matches /\(m.filter.text)/ (Esc clears the filter)" }
            else { message = "No running containers (press a to show stopped ones)" }
            c.text(message, row: listTop + min(1, listHeight - 1), column: inner.x + 2, width: inner.width - 2, role: .muted)
            return
        }
        let start = max(0, min(m.scrollTop, max(0, m.rows.count - listHeight)))
        for i in 0..<min(listHeight, m.rows.count - start) {
            let y = listTop + i
            switch m.rows[start + i] {
            case .service(let name, let replicas, let running):
                let folded = m.collapsed.contains(name)
                var text = "\(folded ? c.glyphs.groupClosed : c.glyphs.groupOpen) \(name)  \(running)/\(replicas) running"
                if let policy = m.autoscale[name] { text += "  " + m.autoscaleHeading(name, policy) }
                c.cell(text, row: y, column: inner.x, width: inner.width, style: c.style(m.selectedService == name ? .selection : .groupHeader))
            case .container(let id):
                guard let e = m.entries[id] else { continue }
                drawRow(e, m: m, cols: cols, row: y, x: inner.x, width: inner.width, selected: id == m.selectedID, c: c)
            }
        }
        PositionHint(first: start, room: listHeight, total: m.rows.count).draw(on: r, c)
    }

    static func drawRow(_ e: ContainerEntry, m: DashboardModel, cols: [(Column, Int)], row: Int, x startX: Int,
                        width: Int, selected: Bool, c: Canvas) {
        let running = e.info.state.isRunning
        // A host that does not answer: its rows keep their last known state, greyed.
        let stale = m.isStale(e)
        let base: CellStyle = selected ? c.style(.selection) : c.style(running && !stale ? .text : .muted)
        if selected { c.text(String(repeating: " ", count: width), row: row, column: startX, style: base) }
        var x = startX
        for (col, w) in cols {
            defer { x += w + 1 }
            func cell(_ s: String, _ style: CellStyle? = nil) {
                c.cell(s, row: row, column: x, width: w, alignRight: col.alignRight, style: style ?? base)
            }
            func tinted(_ role: ThemeRole) -> CellStyle {
                guard !selected, !stale else { return base }
                var s = c.style(role); s.background = base.background; return s
            }
            switch col {
            case .state:
                cell(String(StateStyle.glyph(e.info.state.status, c.glyphs)), tinted(StateStyle.role(e.info.state.status)))
            case .name:
                let indent = e.info.service != nil ? "  " : ""
                guard m.marked.contains(e.id) else { cell(indent + e.name); continue }
                cell(indent + String(c.glyphs.marked) + " " + e.name, tinted(.warning))
            case .host: cell(e.host ?? "")
            case .image: cell(e.info.image)
            case .cpu:
                // Held back by its --cpus limit: marked, in the warning colour.
                if running && e.throttled { cell(Format.percent(e.cpuPercent) + "!", tinted(.warning)); continue }
                cell(running ? Format.percent(e.cpuPercent) : "-")
            case .spark:
                guard running else { cell(""); continue }
                // Scaled to the recent peak so the shape shows; the colour carries the absolute level.
                let cpuMax = max(10, e.cpuHistory.suffix(w).max() ?? 0)
                let s = Sparkline.render(e.cpuHistory.suffix(w), width: w, maximum: cpuMax, unicode: c.glyphs.unicode)
                cell(s, selected || stale ? base : c.palette.gradientStyle(.cpu, fraction: e.cpuPercent / 100, over: .background))
            case .memory:
                guard running else { cell("-"); continue }
                let limit = e.memoryLimit.map { "/" + Format.bytes($0) } ?? ""
                // A process killed for memory while PID 1 lives on shows here, not only in exits.
                if e.oomKills > 0 { cell("OOM×\(e.oomKills) " + Format.bytes(e.memoryUsage) + limit, tinted(.error)); continue }
                cell(Format.bytes(e.memoryUsage) + limit)
            case .memoryBar:
                guard running else { cell(""); continue }
                let frac = e.memoryLimit.map { Double(e.memoryUsage) / Double(max(1, $0)) } ?? 0
                let (filled, empty) = Bar.render(fraction: frac, width: w, glyphs: c.glyphs)
                c.text(filled, row: row, column: x, style: selected || stale ? base : c.palette.gradientStyle(.memory, fraction: frac, over: .background))
                c.text(empty, row: row, column: x + filled.count, style: tinted(.muted))
            case .pids: cell(running ? "\(e.stats?.pids ?? 0)" : "-")
            case .net:
                cell(running ? "\(Format.rate(e.rates?.netRxPerSecond ?? 0))/\(Format.rate(e.rates?.netTxPerSecond ?? 0))" : "-")
            case .io:
                cell(running ? "\(Format.rate(e.rates?.blockReadPerSecond ?? 0))/\(Format.rate(e.rates?.blockWritePerSecond ?? 0))" : "-")
            case .restarts: cell("\(e.info.state.restartCount)")
            case .uptime:
                if let doing = m.busy[e.id] { cell(doing + c.glyphs.ellipsis, tinted(.warning)); continue }
                // Restarted by its policy again and again: the loop, not the uptime of this attempt.
                if let loop = m.crashLoop(e.id) { cell((c.glyphs.unicode ? "loop×" : "loop x") + "\(loop)", tinted(.error)); continue }
                cell(lifetime(e, m), tinted(lifetimeRole(e)))
            }
        }
    }

    /// Uptime while running, else how it ended.
    static func lifetime(_ e: ContainerEntry, _ m: DashboardModel) -> String {
        let s = e.info.state
        switch s.status {
        case .running where s.paused: return "paused"
        // A healthcheck not (yet) passing says so where the uptime would be (the detail pane still
        // has the uptime); a healthy one is the normal case.
        case .running where s.health == "unhealthy": return "unhealthy"
        case .running where s.health == "starting": return "starting"
        case .running: return m.uptime(e).map(Format.duration) ?? "up"
        case .restarting: return "restarting"
        case .created: return "created"
        case .dead: return s.strayProcesses != nil ? "dead, procs run" : "dead"
        case .broken: return "broken"
        case .exited:
            if s.oomKilled { return "OOM" }
            if let sig = s.signal { return "sig \(sig)" }
            return "exit \(s.exitCode ?? 0)"
        }
    }

    static func lifetimeRole(_ e: ContainerEntry) -> ThemeRole {
        let s = e.info.state
        if s.status == .exited { return s.oomKilled || (s.exitCode ?? 0) != 0 || s.signal != nil ? .error : .muted }
        if s.status == .running, let health = s.health { return healthRole(health) }
        return s.status == .running ? .text : StateStyle.role(s.status)
    }

    /// The colour of a health status: unhealthy an error, starting a warning, healthy plain text.
    static func healthRole(_ health: String) -> ThemeRole {
        switch health {
        case "unhealthy": return .error
        case "starting": return .warning
        default: return .text
        }
    }
}
