import BerthOS
import BerthRuntime
import Foundation

extension DashboardModel {
    /// The update function: applies one event and returns what the outside world must do.
    public mutating func update(_ event: DashboardEvent) -> [Effect] {
        switch event {
        case .key(let key): return handleKey(key)
        case .mouse(let m): return handleMouse(m)
        case .resize(let s):
            size = s
            // A tiny window scrolls the table to a single row; start over so headings come back.
            scrollTop = 0
            scrollToSelection()
            return []
        case .snapshot(let s): return apply(s)
        case .logLines(let id, let lines, let reset, let extent):
            guard id == logs.containerID else { return [] }
            if reset {
                let keep = logs
                logs.reset(for: id)
                logs.showTimestamps = keep.showTimestamps; logs.wrap = keep.wrap
                logs.stream = keep.stream; logs.search = keep.search; logs.range = keep.range
                if let extent {
                    // A file: the tail is the first page of a window that can move through it.
                    let page = LogPage(lines: lines, start: extent.start, end: extent.end)
                    logs.replace(with: page, window: LogsWindow(page: page, fileEnd: extent.end, attached: true))
                    guard !keep.range.isEmpty else { return [] }
                    logs.reading = true
                    return [.readLogs(id: id, .range(keep.range))]
                }
            }
            logs.append(lines, end: extent?.end)
            return []
        case .logPage(let id, let read):
            guard id == logs.containerID else { return [] }
            return apply(read)
        case .logSearch(let id, let report):
            guard id == logs.containerID else { return [] }
            apply(report)
            return []
        case .logSaved(let path, let count, let error):
            status = error.map { StatusMessage($0, .error) }
                ?? StatusMessage("saved \(count) line\(count == 1 ? "" : "s") to \(Quoted.escapeControls(path))", .success)
            return []
        case .actionFinished(let o): return finish(o)
        case .journal(let events):
            for e in events {
                timelines.apply(e)
                recentEvents.append(e)
            }
            // Reading older lines: they stay in place while new ones arrive on top.
            if eventsScroll > 0 {
                let shown = events.filter { eventsFilter.matches(fields: $0.filterFields) }.count
                eventsScroll = min(eventsScroll + shown, max(0, recentEvents.count - 1))
            }
            return []
        case .resources(let s):
            resources.apply(s)
            // A row removed under the selection: stay at the same place, on what slid into it.
            resourceSelection[s.kind] = min(resourceSelection[s.kind] ?? 0, max(0, resources.count(s.kind) - 1))
            return []
        case .inspected(let id, let document, let error):
            guard id == inspect.id else { return [] }
            inspect.loading = false
            inspect.error = error
            inspect.lines = document.map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } ?? []
            return []
        case .processes(let id, let samples, let at, let error):
            guard id == processes.id, view == .processes else { return [] }
            if let error {
                // The container stopped or went: it has no processes to act on.
                processes.loading = false
                processes.rows = []
                processes.error = error
            } else {
                processes.apply(samples, at: at, ticksPerSecond: ProcessesState.ticksPerSecond)
            }
            return []
        case .customFinished(let name, let code, let lastLine, let error):
            let tail = lastLine.map { ": " + Quoted.escapeControls($0) } ?? ""
            if let error {
                status = StatusMessage("\(name) could not run: \(error)", .error)
            } else if let code, code != 0 {
                status = StatusMessage("\(name) exited with \(code)\(tail)", .error)
            } else {
                status = StatusMessage("\(name) done\(tail)", .success)
            }
            return [.sampleNow]
        case .execFinished(let name, let error):
            status = error.map { StatusMessage("exec in \(name) failed: \($0)", .error) }
                ?? StatusMessage("shell in \(name) ended", .info)
            return [.sampleNow]
        case .terminate:
            quitRequested = true
            return [.quit]
        }
    }

    mutating func apply(_ s: EngineSnapshot) -> [Effect] {
        now = s.takenAt
        samples += 1
        if let current = status, current.kind != .error, let since = statusSince,
           now.timeIntervalSince(since) >= Self.statusLifetime {
            status = nil
        }
        if let cpu = s.host.cpuPercent(since: host) { hostCPUPercent = cpu }
        host = s.host
        hosts = s.hosts.map { sample in
            let before = hosts.first { $0.sample.name == sample.name }
            // An unchanged record (a host between two of its samples, or unreachable) keeps its figure.
            let cpu = sample.info.flatMap { $0.cpuPercent(since: before?.sample.info) } ?? before?.cpuPercent
            return HostRow(sample: sample, cpuPercent: cpu)
        }
        if let error = s.error {
            // Keep the last rows: a failed list must not look like "no containers".
            sampleError = error
            return []
        }
        sampleError = nil
        desiredReplicas = s.desired
        autoscale = s.autoscale
        // A count asked for is forgotten once the engine reports it, or once two snapshots after
        // the last call show something else (another client scaled the service meanwhile).
        for (service, target) in scaleTargets where scalesRunning[service] == nil {
            let left = (scaleSettling[service] ?? 2) - 1
            if desiredReplicas[service] == target || desiredReplicas[service] == nil || left <= 0 {
                scaleTargets[service] = nil
                scaleSettling[service] = nil
            } else {
                scaleSettling[service] = left
            }
        }
        var stats: [String: ContainerStats] = [:]
        for st in s.stats { stats[st.id] = st }
        var next: [String: ContainerEntry] = [:]
        next.reserveCapacity(s.containers.count)
        for info in s.containers {
            var e = entries[info.id] ?? ContainerEntry(info: info)
            e.info = info
            e.host = s.hostOf[info.id]
            e.record(info.state.isRunning ? stats[info.id] : nil)
            next[info.id] = e
        }
        entries = next
        order = s.containers.map(\.id)
        // The events of a tick come before its snapshot (Sampler), so a container with a
        // timeline but no row was removed: its history goes (a destroy event may be lost to a
        // rotation, or the root cleaned by hand).
        timelines.retain(Set(order))
        let sampledAt = Int64(s.takenAt.timeIntervalSince1970 * 1e9)
        for (id, e) in next where e.info.state.isRunning {
            if let st = e.stats { timelines.observe(oomKills: st.oomKills, of: id, at: sampledAt) }
        }
        marked.formIntersection(next.keys)
        recomputeRows()
        scrollToSelection()
        return followSelection()
    }

    /// Points the logs pane at the selection: a container's log, or a heading's merged replicas.
    mutating func followSelection() -> [Effect] {
        let key = logsKey
        guard logs.containerID != key else { return [] }
        detailScroll = 0
        logs.reset(for: key)
        return [.followLogs(key)]
    }

    mutating func finish(_ o: ActionOutcome) -> [Effect] {
        if let id = o.action.containerID { busy[id] = nil }
        if let error = o.error {
            status = StatusMessage("\(o.action.verb) \(o.action.target) failed: \(error)", .error)
        } else {
            status = StatusMessage("\(o.detail ?? o.action.doneText) in \(Format.seconds(o.seconds))", .success)
        }
        if case .scale(let service, let done) = o.action {
            scalesRunning[service] = nil
            if o.error != nil {
                scaleTargets[service] = nil
            } else if let wanted = scaleTargets[service], wanted != done {
                // Presses that came while this call ran: apply their total now.
                scalesRunning[service] = wanted
                return start(.scale(service: service, replicas: wanted)) + [.sampleNow]
            }
        }
        return [.sampleNow]
    }

    mutating func handleMouse(_ m: MouseEvent) -> [Effect] {
        guard case .normal = mode else { return [] }
        if view != .containers {
            // One pane: the wheel scrolls it (moves the selection of a resource view).
            if m.kind != .click { return move(m.kind == .wheelUp ? .up : .down) }
            return []
        }
        let l = layout
        guard let pane = l.pane(atRow: m.row, column: m.column) else { return [] }
        switch m.kind {
        case .click:
            focus = pane
            if pane == .containers, let r = l.containers {
                let index = scrollTop + (m.row - r.y - 2)
                if m.row - r.y >= 2, index < rows.count {
                    select(index: index)
                    return followSelection()
                }
            }
            return []
        case .wheelUp, .wheelDown:
            let delta = m.kind == .wheelUp ? -3 : 3
            if pane == .logs { return scrollLogs(by: -delta) }
            moveSelection(by: delta)
            return followSelection()
        }
    }

}
