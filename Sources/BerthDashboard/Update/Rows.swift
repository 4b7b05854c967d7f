import BerthRuntime

extension DashboardModel {
    /// Rebuilds the table rows from entries, filter and sort, keeping the selection on the same
    /// container; if it vanished, the row that took its place is selected.
    mutating func recomputeRows() {
        let previousIndex = selectedID.flatMap { visibleIDs.firstIndex(of: $0) }
        // The row kept for the last action goes once the user selects another.
        if keptVisibleID != selectedID { keptVisibleID = nil }
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        // A selected heading keeps its replicas in view too (stopped in "running only"), so the
        // heading does not vanish under a second key press.
        let shown = order.compactMap { entries[$0] }.filter { e in
            (showAll || e.info.state.status != .exited || busy[e.id] != nil || e.id == keptVisibleID
                || (selectedService != nil && e.info.service == selectedService)) && filter.matches(e)
        }
        let sorted = shown.sorted { a, b in
            let c = compare(a, b)
            if c != 0 { return sortDescending ? c > 0 : c < 0 }
            return (position[a.id] ?? 0) < (position[b.id] ?? 0)
        }
        var groups: [String: [ContainerEntry]] = [:]
        for e in sorted { if let s = e.info.service { groups[s, default: []].append(e) } }
        // Headings count the whole service, whatever the filter shows of it.
        var running: [String: Int] = [:], existing: [String: Int] = [:]
        for e in entries.values {
            guard let s = e.info.service, groups[s] != nil else { continue }
            existing[s, default: 0] += 1
            if e.info.state.isRunning { running[s, default: 0] += 1 }
        }
        // By name, the services come first (A→Z), then the containers of no service. By any other
        // key a service's group stands where its first member falls among those containers:
        // sorted by CPU, the busiest group or container comes first.
        let leaders: [ContainerEntry]
        if sort == .name {
            let firsts = groups.keys.sorted { NaturalOrder.compare($0, $1) < 0 }.compactMap { groups[$0]?.first }
            leaders = sortDescending ? firsts.reversed() : firsts
        } else {
            leaders = []
        }
        var rows: [DisplayRow] = []
        rows.reserveCapacity(sorted.count + groups.count)
        for e in leaders + sorted {
            guard let name = e.info.service else { rows.append(.container(id: e.id)); continue }
            guard let members = groups.removeValue(forKey: name) else { continue }
            rows.append(.service(name: name, replicas: desiredReplicas[name] ?? existing[name] ?? members.count,
                                 running: running[name] ?? 0))
            // A collapsed group is its heading alone.
            if !collapsed.contains(name) { rows.append(contentsOf: members.map { .container(id: $0.id) }) }
        }
        self.rows = rows

        if selectedService != nil {
            if selectedRow != nil { return }
            selectedService = nil // the service went (or the filter hides all of it)
        }
        let ids = visibleIDs
        if let id = selectedID, ids.contains(id) { return }
        // A container folded away: its heading takes the selection.
        if let id = selectedID, let s = entries[id]?.info.service, collapsed.contains(s) {
            selectedService = s
            selectedID = nil
            if selectedRow != nil { return }
            selectedService = nil
        }
        if ids.isEmpty {
            selectedID = nil
            if case .service(let name, _, _)? = rows.first { selectedService = name }
            return
        }
        selectedID = ids[min(previousIndex ?? 0, ids.count - 1)]
    }

    /// -1, 0, 1 for ascending order of the current sort key.
    private func compare(_ a: ContainerEntry, _ b: ContainerEntry) -> Int {
        func cmp<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
        switch sort {
        case .name: return NaturalOrder.compare(a.name, b.name)
        case .image: return cmp(a.info.image, b.info.image)
        case .state: return cmp(stateRank(a.info.state.status), stateRank(b.info.state.status))
        case .cpu: return cmp(a.cpuPercent, b.cpuPercent)
        case .memory: return cmp(a.memoryUsage, b.memoryUsage)
        case .pids: return cmp(a.stats?.pids ?? 0, b.stats?.pids ?? 0)
        case .net: return cmp(a.netRate, b.netRate)
        case .io: return cmp(a.ioRate, b.ioRate)
        case .restarts: return cmp(a.info.state.restartCount, b.info.state.restartCount)
        case .uptime: return cmp(uptime(a) ?? -1, uptime(b) ?? -1)
        }
    }

    private func stateRank(_ s: ContainerStatus) -> Int {
        switch s {
        case .running: return 0
        case .restarting: return 1
        case .created: return 2
        case .dead, .broken: return 3
        case .exited: return 4
        }
    }

    /// Seconds since the container started, while it runs.
    func uptime(_ e: ContainerEntry) -> Double? {
        guard e.info.state.isRunning, let started = e.info.state.startedAt else { return nil }
        return max(0, now.timeIntervalSince(started))
    }

    /// Moves the selection by `delta` rows (service headings are rows too) and keeps it on screen.
    mutating func moveSelection(by delta: Int) {
        guard !rows.isEmpty else { selectedID = nil; selectedService = nil; return }
        select(index: (selectedRow ?? 0) + delta)
    }

    /// Selects row `index` (clamped): a container, or a service heading.
    mutating func select(index: Int) {
        guard !rows.isEmpty else { return }
        switch rows[min(rows.count - 1, max(0, index))] {
        case .service(let name, _, _):
            selectedService = name
            selectedID = nil
        case .container(let id):
            selectedService = nil
            selectedID = id
        }
        scrollToSelection()
    }

    /// Adjusts `scrollTop` so the selected row (and its service heading when possible) is visible.
    mutating func scrollToSelection() {
        let visible = layout.tableRows
        guard let row = selectedRow else {
            scrollTop = min(scrollTop, max(0, rows.count - visible))
            return
        }
        if row < scrollTop { scrollTop = row > 0 && isHeading(row - 1) ? row - 1 : row }
        if row >= scrollTop + visible { scrollTop = row - visible + 1 }
        scrollTop = max(0, min(scrollTop, max(0, rows.count - visible)))
    }

    private func isHeading(_ i: Int) -> Bool {
        if case .service = rows[i] { return true }
        return false
    }
}

extension DashboardModel {
    /// The selected container for a key that acts on one, or nil with why in the status bar: on a
    /// service heading "select a replica of web to PURPOSE", with nothing selected "no container
    /// selected", and when it must be `running`, "NAME is not running".
    mutating func selectedContainer(to purpose: String, running: Bool = false) -> ContainerEntry? {
        guard let e = selected else {
            status = StatusMessage(selectedService.map { "select a replica of \($0) to \(purpose)" } ?? "no container selected", .error)
            return nil
        }
        guard !running || e.info.state.isRunning else {
            status = StatusMessage("\(e.name) is not running", .error)
            return nil
        }
        return e
    }
}
