import BerthRuntime
import Foundation

/// Everything about the selected container: history graphs, then facts.
enum DetailPane {
    static func draw(_ m: DashboardModel, in r: Rect, on c: Canvas) {
        if m.selected == nil, let service = m.selectedService { return drawService(service, m, in: r, on: c) }
        guard let e = m.selected else {
            c.box(r, title: "2 Detail", focused: m.focus == .detail)
            c.text("No container selected", row: r.y + 1, column: r.x + 2, width: r.width - 4, role: .muted)
            return
        }
        c.box(r, title: "2 \(e.name) \(e.info.shortID)", focused: m.focus == .detail)
        let inner = r.inner
        guard inner.height > 2, inner.width > 10 else { return }
        var y = inner.y
        let x = inner.x + 1
        let w = inner.width - 2

        let cpuMax = max(100, (e.info.limits.cpuLimit ?? 0) * 100, e.cpuHistory.values.max() ?? 0)
        let memMax: Double = e.memoryLimit.map { Double($0) } ?? max(1, (e.memoryHistory.values.max() ?? 0) * 1.25)
        // Percent of one CPU, and of the limit when there is one: 50% with --cpus 0.5 is all of it.
        var cpuLabel = "CPU \(Format.percent(e.cpuPercent))"
        if let cpus = e.info.limits.cpuLimit, let ofLimit = e.cpuOfLimitPercent {
            cpuLabel += " · \(Format.percent(ofLimit)) of its \(String(format: "%g", cpus)) CPU limit"
            if e.throttled { cpuLabel += " · throttled" }
        }
        let memLabel = "MEM \(Format.bytes(e.memoryUsage))" + (e.memoryLimit.map { " / \(Format.bytes($0))" } ?? "")

        let facts = self.facts(e, m)
        if inner.height >= 10 + min(facts.count, 6) {
            // Tall: graphs stacked over the full width.
            let gh = inner.height >= 20 ? 4 : 3
            y = graph(cpuLabel, e.cpuHistory.values, max: cpuMax, gradient: .cpu, x: x, y: y, width: w, height: gh, m: m, c: c)
            y = graph(memLabel, e.memoryHistory.values, max: memMax, gradient: .memory, x: x, y: y, width: w, height: gh, m: m, c: c)
        } else {
            // Short: graphs side by side.
            let half = (w - 2) / 2
            let gh = max(1, min(3, inner.height - 4))
            _ = graph(cpuLabel, e.cpuHistory.values, max: cpuMax, gradient: .cpu, x: x, y: y, width: half, height: gh, m: m, c: c)
            y = graph(memLabel, e.memoryHistory.values, max: memMax, gradient: .memory, x: x + half + 2, y: y, width: w - half - 2, height: gh, m: m, c: c)
        }
        // The facts below the graphs: in two columns when they do not fit in one and the pane is
        // wide, and scrolled with j/k (detail focused) when they still do not, so none is out of reach.
        let labelWidth = 10
        let rows = inner.y + inner.height - y
        guard rows > 0 else { return }
        let columns = facts.count > rows && w >= 2 * (labelWidth + 28) + 2 ? 2 : 1
        let columnWidth = columns == 2 ? (w - 2) / 2 : w
        let capacity = rows * columns
        let offset = min(m.detailScroll, max(0, facts.count - capacity))
        let shown = facts.dropFirst(offset).prefix(capacity)
        for (i, (label, value, role)) in shown.enumerated() {
            let cx = x + (i / rows) * (columnWidth + 2)
            let cy = y + i % rows
            c.text(TextWidth.fit(label, labelWidth), row: cy, column: cx, role: .muted)
            c.text(value, row: cy, column: cx + labelWidth, width: columnWidth - labelWidth, role: role)
        }
        let hidden = facts.count - offset - shown.count
        if offset > 0 || hidden > 0 {
            let note = " \(offset > 0 ? "↑\(offset) " : "")\(hidden > 0 ? "↓\(hidden) " : "")more (j/k) "
            let text = c.glyphs.unicode ? note : note.replacingOccurrences(of: "↑", with: "^").replacingOccurrences(of: "↓", with: "v")
            c.text(text, row: r.y + r.height - 1, column: r.x + max(2, r.width - TextWidth.of(text) - 2), role: .warning)
        }
    }

    /// A selected service heading: its replicas, one line each, and what its keys do.
    static func drawService(_ service: String, _ m: DashboardModel, in r: Rect, on c: Canvas) {
        let members = m.members(of: service)
        c.box(r, title: "2 service \(service)", focused: m.focus == .detail)
        let inner = r.inner
        guard inner.height > 1, inner.width > 10 else { return }
        let x = inner.x + 1, w = inner.width - 2
        let running = members.filter { $0.info.state.isRunning }
        let cpu = running.reduce(0) { $0 + $1.cpuPercent }
        let memory = running.reduce(UInt64(0)) { $0 + $1.memoryUsage }
        var lines: [(String, ThemeRole)] = [
            ("\(running.count)/\(m.desiredReplicas[service] ?? members.count) running · CPU \(Format.percent(cpu)) · MEM \(Format.bytes(memory))", .header),
            ("s r K d p + - l: on all \(members.count) replicas · z folds", .muted),
        ]
        for e in members {
            let state = StateStyle.glyph(e.info.state.status, c.glyphs)
            let figures = e.info.state.isRunning ? "\(Format.percent(e.cpuPercent)) \(Format.bytes(e.memoryUsage))" : ContainersPane.lifetime(e, m)
            lines.append(("\(state) \(e.name)  \(figures)", e.info.state.isRunning ? .text : .muted))
        }
        for (i, (text, role)) in lines.prefix(inner.height).enumerated() {
            c.text(text, row: inner.y + i, column: x, width: w, role: role)
        }
    }

    /// Draws a label line and a graph under it; returns the next free row.
    private static func graph(_ label: String, _ values: [Double], max: Double, gradient: ThemeGradient,
                              x: Int, y: Int, width: Int, height: Int, m: DashboardModel, c: Canvas) -> Int {
        c.text(label, row: y, column: x, width: width, role: .header)
        let rows = Graph.render(values, width: width, height: height, maximum: max, style: m.graphStyle)
        for (i, row) in rows.enumerated() {
            c.text(row.text, row: y + 1 + i, column: x, style: c.palette.gradientStyle(gradient, fraction: row.level, over: .background))
        }
        return y + 1 + height
    }

    /// History entries listed (the pane scrolls to them with j/k).
    static let historyLimit = 20

    static func facts(_ e: ContainerEntry, _ m: DashboardModel) -> [(String, String, ThemeRole)] {
        let s = e.info.state
        var out: [(String, String, ThemeRole)] = []
        var state = s.status.rawValue
        if let pid = s.pid, s.isRunning { state += " · pid \(pid)" }
        if s.status == .restarting {
            // Waiting to be started again: how often it has, not an uptime it does not have.
            state += " · \(s.restartCount) restart\(s.restartCount == 1 ? "" : "s")"
        } else if let up = m.uptime(e) {
            state += " · up \(Format.duration(up))"
        }
        out.append(("State", state, StateStyle.role(s.status)))
        if let health = s.health, s.status == .running {
            out.append(("Health", health, ContainersPane.healthRole(health)))
        }
        if let loop = m.crashLoop(e.id) {
            out.append(("Loop", "crash-looping: \(loop) restarts in \(Timelines.loopWindow / 1_000_000_000) s", .error))
        }
        out.append(("Image", e.info.image, .text))
        // A script passed to `sh -c` often spans lines: show it on one, runs of blanks collapsed.
        let command = e.info.command.joined(separator: " ").split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        out.append(("Command", command, .text))
        var net = e.info.network.rawValue
        if let ip = e.info.ipAddress { net = "\(ip) (\(net))" }
        out.append(("Network", net, .text))
        out.append(("Created", Format.dateTime(e.info.created, utcOffset: m.utcOffset), .text))
        if let started = s.startedAt {
            out.append(("Started", Format.dateTime(started, utcOffset: m.utcOffset), .text))
        }
        out.append(("Restart", "\(e.info.restartPolicy) · \(s.restartCount) restarts", .text))
        var limits: [String] = []
        if let mem = e.info.limits.memory { limits.append("mem \(Format.bytes(UInt64(max(0, mem))))") }
        if let cpus = e.info.limits.cpuLimit { limits.append("cpus \(String(format: "%g", cpus))") }
        if let shares = e.info.limits.cpuShares { limits.append("shares \(shares)") }
        if let set = e.info.limits.cpusetCpus { limits.append("cpuset \(set)") }
        if let p = e.info.limits.pidsLimit { limits.append("pids \(p)") }
        out.append(("Limits", limits.isEmpty ? "none" : limits.joined(separator: ", "), .text))
        if let st = e.stats, s.isRunning {
            var pids = "\(st.pids)"
            if let l = st.pidsLimit { pids += " / \(l)" }
            out.append(("PIDs", pids, .text))
            if let periods = st.cpuThrottledPeriods, let ns = st.cpuThrottledNanos {
                out.append(("Throttled", "\(periods) periods, \(Format.seconds(Double(ns) / 1e9))", periods > 0 ? .warning : .text))
            }
            out.append(("Net", "rx \(Format.bytes(st.netRx)) tx \(Format.bytes(st.netTx))", .text))
            out.append(("Block IO", "read \(Format.bytes(st.blockRead)) write \(Format.bytes(st.blockWrite))", .text))
            if st.oomKills > 0 { out.append(("OOM kills", "\(st.oomKills)", .error)) }
            if let p = st.pressure {
                // `some` over 10 s (the share of time a task of the container waited), then 60 s.
                let parts = [("cpu", p.cpu), ("mem", p.memory), ("io", p.io)].compactMap { label, v in
                    v.map { "\(label) \(Format.percent($0.some.avg10)) (\(Format.percent($0.some.avg60)) 1m)" }
                }
                let worst = [p.cpu, p.memory, p.io].compactMap { $0?.some.avg10 }.max() ?? 0
                out.append(("Stall", parts.joined(separator: ", "), PressureStyle.role(worst) == .headerValue ? .text : PressureStyle.role(worst)))
            }
        }
        if s.exitCode != nil || s.oomKilled || s.signal != nil {
            var last = "exit \(s.exitCode ?? 0)"
            if let sig = s.signal { last += " · signal \(sig)" }
            if s.oomKilled { last += " · OOM killed" }
            if let f = s.finishedAt { last += " · \(Format.dateTime(f, utcOffset: m.utcOffset))" }
            out.append(("Last exit", last, s.oomKilled || (s.exitCode ?? 0) != 0 ? .error : .text))
        }
        if let err = s.error { out.append(("Error", err, .error)) }
        // What happened to it, newest first (the journal's events and the OOM counter), so an
        // exit or a kill that a restart hid is still there to see.
        let history = m.timelines[e.id]?.newestFirst.prefix(historyLimit) ?? []
        for (i, entry) in history.enumerated() {
            out.append((i == 0 ? "History" : "", TimelineText.line(entry, now: m.now, utcOffset: m.utcOffset, unicode: m.glyphs.unicode),
                        entry.isProblem ? .error : .text))
        }
        return out
    }
}
