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
        if let h = m.host {
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
        var first = true
        for s in ContainerStatus.allCases {
            let n = counts[s] ?? 0
            if n == 0 && s != .running { continue }
            if !first { put2(c.glyphs.separator, .muted) }
            first = false
            put2("\(StateStyle.glyph(s, c.glyphs)) \(n) \(s.rawValue)", StateStyle.role(s))
        }
        put2("   every ", .header); put2(Format.interval(m.interval), .headerValue)
        put2("  theme ", .header); put2(m.theme.name, .headerValue)
        if m.colorMode != .truecolor { put2(" (\(m.colorMode.rawValue == "mono" ? "mono" : m.colorMode.rawValue + " colours"))", .muted) }
        if let e = m.sampleError { put2("  ", .text); put2(e, .error) }
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
