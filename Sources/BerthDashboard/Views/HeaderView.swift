import BerthRuntime

/// Two lines: the host (name, kernel, cgroups, CPUs, CPU and memory use, pressure stall) and the containers by
/// state with the interval and theme.
enum HeaderView {
    static func draw(_ m: DashboardModel, in r: Rect, on c: Canvas) {
        c.fill(r, style: c.style(.background))
        var x = r.x
        let end = r.x + r.width
        func put(_ s: String, _ role: ThemeRole) {
            guard x < end else { return }
            c.text(s, row: r.y, column: x, width: end - x, role: role)
            x += TextWidth.of(s)
        }
        put(" berth ", .title)
        if m.isFleet {
            let down = m.hosts.filter { !$0.sample.reachable }.count
            put("\(m.hosts.count) hosts", .headerValue)
            put("  \(m.hosts.count - down) answering", .header)
            if down > 0 { put("  \(down) unreachable", .error) }
        } else if let h = m.host {
            put(h.hostname, .headerValue)
            put("  kernel ", .header); put(h.kernel, .headerValue)
            put("  cgroup ", .header); put(h.cgroupVersion, .headerValue)
            put("  \(h.cpuCount) CPU", .header)
            put("  cpu ", .header)
            let cpu = (m.hostCPUPercent ?? 0) / 100
            meter(cpu, width: 10, gradient: .cpu, text: Format.percent(m.hostCPUPercent ?? 0), x: &x, row: r.y, end: end, c: c)
            put("  mem ", .header)
            let used = h.memoryTotal > h.memoryAvailable ? h.memoryTotal - h.memoryAvailable : 0
            let frac = h.memoryTotal > 0 ? Double(used) / Double(h.memoryTotal) : 0
            meter(frac, width: 10, gradient: .memory, text: "\(Format.bytes(used))/\(Format.bytes(h.memoryTotal))", x: &x, row: r.y, end: end, c: c)
            if let p = h.pressure {
                // Pressure stall, `some` over the last 10 s: the share of time at least one task
                // waited for the resource. Drawn last: a narrow terminal loses it before the meters.
                put("  stall ", .header)
                for (label, value) in [("cpu", p.cpu), ("mem", p.memory), ("io", p.io)] {
                    guard let v = value?.some.avg10 else { continue }
                    put(label + " ", .header)
                    put(Format.percent(v) + " ", PressureStyle.role(v))
                }
            }
        } else {
            put("reading the host…", .muted)
        }

        guard r.height > 1 else { return }
        x = r.x
        let row = r.y + 1
        func put2(_ s: String, _ role: ThemeRole) {
            guard x < end else { return }
            c.text(s, row: row, column: x, width: end - x, role: role)
            x += TextWidth.of(s)
        }
        let counts = m.countsByStatus
        put2(" \(m.entries.count) containers: ", .header)
        states(counts, glyphs: c.glyphs, greyed: false, put: put2)
        put2("   every ", .header); put2(Format.interval(m.interval), .headerValue)
        put2("  theme ", .header); put2(m.theme.name, .headerValue)
        if m.colorMode != .truecolor { put2(" (\(m.colorMode.rawValue == "mono" ? "mono" : m.colorMode.rawValue + " colours"))", .muted) }
        if let e = m.sampleError { put2("  ", .text); put2(e, .error) }
        for (i, host) in m.hosts.enumerated() where r.height > 2 + i {
            hostLine(host, m, row: r.y + 2 + i, x: r.x, end: end, c: c)
        }
    }

    /// "● 3 running · ○ 1 exited": running always, other states when there are any; `greyed` for
    /// an unreachable host's last known counts.
    static func states(_ counts: [ContainerStatus: Int], glyphs: Glyphs, greyed: Bool, put: (String, ThemeRole) -> Void) {
        var first = true
        for s in ContainerStatus.allCases {
            let n = counts[s] ?? 0
            if n == 0 && s != .running { continue }
            if !first { put(glyphs.separator, .muted) }
            first = false
            put("\(StateStyle.glyph(s, glyphs)) \(n) \(s.rawValue)", greyed ? .muted : StateStyle.role(s))
        }
    }

    /// One host of several: its name, then CPU, memory, its containers by state and the age of its
    /// last sample; or since when it does not answer and why.
    static func hostLine(_ host: HostRow, _ m: DashboardModel, row: Int, x start: Int, end: Int, c: Canvas) {
        var x = start
        func put(_ s: String, _ role: ThemeRole) {
            guard x < end else { return }
            c.text(s, row: row, column: x, width: end - x, role: role)
            x += TextWidth.of(s)
        }
        let width = max(8, m.hosts.map { TextWidth.of($0.sample.name) }.max() ?? 0)
        put(" " + TextWidth.fit(host.sample.name, width) + " ", host.sample.reachable ? .title : .muted)
        var counts: [ContainerStatus: Int] = [:]
        for e in m.entries.values where e.host == host.sample.name { counts[e.info.state.status, default: 0] += 1 }
        func states() { HeaderView.states(counts, glyphs: c.glyphs, greyed: !host.sample.reachable, put: put) }
        guard host.sample.reachable, let h = host.sample.info else {
            let since = host.sample.unreachableSince.map { " since " + Format.time($0, utcOffset: m.utcOffset) } ?? ""
            guard host.sample.unreachableSince != nil else { return put("connecting…", .muted) }
            put("unreachable\(since)", .error)
            if let why = host.sample.problem { put(": " + TextWidth.truncate(why, to: 48, ellipsis: c.glyphs.ellipsis), .muted) }
            if host.sample.info != nil { put("   last known: ", .muted); states() }
            return
        }
        put(TextWidth.truncate(h.hostname, to: 16, ellipsis: c.glyphs.ellipsis), .headerValue)
        put("  \(h.cpuCount) CPU  cpu ", .header)
        meter((host.cpuPercent ?? 0) / 100, width: 10, gradient: .cpu, text: Format.percent(host.cpuPercent ?? 0), x: &x, row: row, end: end, c: c)
        put("  mem ", .header)
        let used = h.memoryTotal > h.memoryAvailable ? h.memoryTotal - h.memoryAvailable : 0
        let frac = h.memoryTotal > 0 ? Double(used) / Double(h.memoryTotal) : 0
        meter(frac, width: 10, gradient: .memory, text: "\(Format.bytes(used))/\(Format.bytes(h.memoryTotal))", x: &x, row: row, end: end, c: c)
        put("  ", .header)
        states()
        if let last = host.sample.lastSample {
            put("  sample ", .header); put(Format.seconds(max(0, m.now.timeIntervalSince(last))) + " ago", .headerValue)
        }
    }

    private static func meter(_ fraction: Double, width: Int, gradient: ThemeGradient, text: String,
                              x: inout Int, row: Int, end: Int, c: Canvas) {
        let (filled, empty) = Bar.render(fraction: fraction, width: width, glyphs: c.glyphs)
        guard x < end else { return }
        c.text(filled, row: row, column: x, width: end - x, style: c.palette.gradientStyle(gradient, fraction: fraction, over: .background))
        x += filled.count
        guard x < end else { return }
        c.text(empty, row: row, column: x, width: end - x, role: .muted)
        x += empty.count
        guard x < end else { return }
        c.text(" " + text, row: row, column: x, width: end - x, role: .headerValue)
        x += TextWidth.of(text) + 1
    }
}

/// Colour of a pressure figure (percent of time stalled over 10 s).
enum PressureStyle {
    static func role(_ percent: Double) -> ThemeRole {
        percent >= 40 ? .error : percent >= 10 ? .warning : .headerValue
    }
}

/// Glyph and colour of each container state.
enum StateStyle {
    static func glyph(_ s: ContainerStatus, _ g: Glyphs) -> Character {
        switch s {
        case .running: return g.running
        case .exited: return g.exited
        case .created: return g.created
        case .restarting: return g.restarting
        case .dead, .broken: return g.dead
        }
    }

    static func role(_ s: ContainerStatus) -> ThemeRole {
        switch s {
        case .running: return .running
        case .exited: return .exited
        case .created: return .created
        case .restarting: return .restarting
        case .dead, .broken: return .dead
        }
    }
}

extension Format {
    /// "1s", "0.5s", "2s".
    static func interval(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s))s" : "\(s)s"
    }
}
