import BerthOS
import Glibc
import BerthRuntime

extension DashboardModel {
    mutating func handleKey(_ key: Key) -> [Effect] {
        // Nothing is acted on unseen: on the "terminal too small" screen only quitting works.
        if layout.tooSmall {
            if key == .ctrl("c") || keys.action(for: key, scope: .containers) == .quit {
                quitRequested = true
                return [.quit]
            }
            return []
        }
        // An error has been seen once the user acts again; whatever this key does may set another.
        if status?.kind == .error, mode == .normal { status = nil }
        switch mode {
        case .normal: break
        case .filter(let text): return editFilter(text, key)
        case .command(let text): return editCommand(text, key)
        case .logSearch(let text, let direction): return editSearch(text, direction, key)
        case .confirm(let pending):
            mode = .normal
            if key == .char("y") || key == .char("Y") {
                if let run = pending.custom { return [.runCustom(run)] }
                if pending.clearsMarks { marked = [] }
                return startAll(pending.actions)
            }
            status = StatusMessage("cancelled")
            return []
        case .help(let scroll):
            switch key {
            case .char("j"), .down: mode = .help(scroll: scroll + 1)
            case .char("k"), .up: mode = .help(scroll: max(0, scroll - 1))
            case .pageDown, .char(" "): mode = .help(scroll: scroll + 10)
            case .pageUp: mode = .help(scroll: max(0, scroll - 10))
            case .ctrl("c"): quitRequested = true; return [.quit]
            default: mode = .normal
            }
            return []
        }
        if key == .escape { return back() }
        if let scope = view.scope {
            // Its own key table: the view's scope, and the global keys that make sense without a
            // container selection (no stop or kill of a container the view does not show).
            guard let action = keys.action(for: key, scope: scope),
                  keys.binding(action)?.scope == scope || action.worksInListViews else { return [] }
            return perform(action)
        }
        guard let action = keys.action(for: key, scope: focus.scope) else {
            if let command = customCommands.first(where: { $0.key == key }) { return runCustom(command) }
            return []
        }
        return perform(action)
    }

    /// Esc: leave full screen (back on the containers, so `/` filters them again), else clear the
    /// filter, else go back to the containers pane.
    mutating func back() -> [Effect] {
        if logs.searching != nil { return cancelLogSearch() }
        if view == .events {
            if !eventsFilter.isEmpty { setEventsFilter("") } else { view = .containers }
            return []
        }
        if view.resourceKind != nil || view == .inspect || view == .processes { return show(.containers) }
        if !marked.isEmpty {
            status = StatusMessage("\(marked.count) mark\(marked.count == 1 ? "" : "s") cleared")
            marked = []
            return []
        }
        if logsFullscreen { logsFullscreen = false; focus = .containers; return [] }
        if !filter.isEmpty { setFilter(""); return followSelection() }
        focus = .containers
        return []
    }

    mutating func perform(_ action: KeyAction) -> [Effect] {
        switch action {
        case .quit:
            quitRequested = true
            return [.quit]
        case .help: mode = .help(scroll: 0)
        case .command:
            mode = .command("")
            historyCursor = nil
        case .nextPane: cycleFocus(1)
        case .previousPane: cycleFocus(-1)
        case .focusContainers: focus = .containers; logsFullscreen = false; return show(.containers)
        case .focusDetail: focus = .detail; logsFullscreen = false; return show(.containers)
        case .focusLogs: focus = .logs; return show(.containers)
        case .showEvents:
            eventsScroll = 0
            return show(.events)
        case .showImages: return show(.images)
        case .showVolumes: return show(.volumes)
        case .showNetworks: return show(.networks)
        case .removeImage, .removeVolume, .removeNetwork: return confirmRemoveResource()
        case .pruneImages, .pruneVolumes: return confirmPruneResources()
        case .inspect: return openInspect()
        case .processes: return openProcesses()
        case .editLimits: return editLimits()
        case .terminateProcess: return confirmSignalProcess(SIGTERM)
        case .killProcess: return confirmSignalProcess(SIGKILL)
        case .inspectSearch: mode = .logSearch(inspect.search, .down)
        case .inspectNext: jumpToInspectMatch(inspect.searchDirection)
        case .inspectPrevious: jumpToInspectMatch(inspect.searchDirection.reversed)
        case .eventsFilter: mode = .filter(eventsFilter.text)
        case .openLogs:
            focus = .logs
            return followSelection()
        case .up, .down, .pageUp, .pageDown, .top, .bottom:
            return move(action)
        case .startStop, .restart, .kill, .remove, .pause:
            return containerAction(action)
        case .mark:
            if let s = selectedService {
                // On a heading: all its replicas, or none when all were marked.
                let ids = Set(members(of: s).map(\.id))
                if ids.isSubset(of: marked) { marked.subtract(ids) } else { marked.formUnion(ids) }
                moveSelection(by: 1)
                return followSelection()
            }
            guard let id = selectedID else { return [] }
            if marked.remove(id) == nil { marked.insert(id) }
            moveSelection(by: 1)
            return followSelection()
        case .markAll:
            let shown = Set(visibleIDs)
            if !shown.isEmpty, shown.isSubset(of: marked) {
                marked.subtract(shown)
            } else {
                marked.formUnion(shown)
            }
        case .scaleUp, .scaleDown:
            guard available.scale else {
                status = StatusMessage(ActionAvailability.scaleMissing, .error)
                return []
            }
            guard let service = selectedService ?? selected?.info.service else {
                status = StatusMessage("the selected container is not part of a service", .error)
                return []
            }
            if let policy = autoscale[service] {
                return moveAutoscaleRange(service, policy, by: action == .scaleUp ? 1 : -1)
            }
            return scale(service, by: action == .scaleUp ? 1 : -1)
        case .toggleGroup:
            guard let service = selectedService ?? selected?.info.service else {
                status = StatusMessage("the selected container is not part of a service", .error)
                return []
            }
            if collapsed.remove(service) == nil {
                collapsed.insert(service)
                // Folded: the heading holds the selection (its replicas are no longer rows).
                selectedService = service
                selectedID = nil
                status = StatusMessage("\(service) collapsed (\(members(of: service).count) replicas)")
            } else {
                status = StatusMessage("\(service) expanded")
            }
            recomputeRows()
            scrollToSelection()
            return followSelection()
        case .exec:
            guard available.exec else {
                status = StatusMessage(ActionAvailability.execMissing, .error)
                return []
            }
            guard let e = selectedContainer(to: "open a shell in it", running: true) else { return [] }
            return [.exec(id: e.id, name: e.name)]
        case .filter:
            focus = .containers
            mode = .filter(filter.text)
        case .sort:
            let all = SortKey.allCases
            sort = all[(all.firstIndex(of: sort)! + 1) % all.count]
            sortDescending = sort.descendingByDefault
            resort()
            status = StatusMessage("sorted by \(sort.rawValue)")
        case .sortReverse:
            sortDescending.toggle()
            resort()
            status = StatusMessage("sorted by \(sort.rawValue) (\(sortDescending ? "descending" : "ascending"))")
        case .toggleAll:
            showAll.toggle()
            resort()
            status = StatusMessage(showAll ? "showing all containers" : "hiding exited containers")
            return followSelection()
        case .cycleTheme:
            setTheme(themes.next(after: theme.name))
        case .graphStyle:
            let all = GraphStyle.allCases
            graphStyle = all[(all.firstIndex(of: graphStyle)! + 1) % all.count]
            if !glyphs.unicode { graphStyle = .ascii }
            status = StatusMessage("graphs: \(graphStyle.rawValue)")
        case .search:
            mode = .logSearch(logs.search, .up)
        case .searchNext: return jumpToMatch(logs.searchDirection)
        case .searchPrevious: return jumpToMatch(logs.searchDirection.reversed)
        case .copyLine: return copyLogLine()
        case .follow:
            if logs.follow { logs.follow = false } else { return logsToLastLine() }
        case .timestamps: logs.showTimestamps.toggle()
        case .wrap: logs.wrap.toggle()
        case .stream:
            let all = StreamFilter.allCases
            logs.stream = all[(all.firstIndex(of: logs.stream)! + 1) % all.count]
            logs.scrollFromBottom = 0
            logs.follow = true
            logs.matchIndex = nil
            status = StatusMessage("logs: \(logs.stream.rawValue)")
        case .fullscreen:
            logsFullscreen.toggle()
            focus = .logs
        }
        return []
    }

    mutating func cycleFocus(_ step: Int) {
        let panes = logsFullscreen ? [Pane.logs] : Pane.allCases
        let i = panes.firstIndex(of: focus) ?? 0
        focus = panes[(i + step + panes.count) % panes.count]
    }

    mutating func move(_ action: KeyAction) -> [Effect] {
        // The list views: an offset (or a selected row) moved by a line, a page, or to an end.
        if view == .inspect {
            inspect.scroll = Self.moved(inspect.scroll, action, page: layout.bodyLines - 1, last: inspect.lines.count - layout.bodyLines)
            return []
        }
        if view == .processes {
            processes.selection = Self.moved(processes.selection, action, page: layout.eventRows - 1, last: processes.rows.count - 1)
            return []
        }
        if let kind = view.resourceKind {
            resourceSelection[kind] = Self.moved(resourceSelection[kind] ?? 0, action, page: layout.eventRows - 1, last: resources.count(kind) - 1)
            return []
        }
        if view == .events {
            eventsScroll = Self.moved(eventsScroll, action, page: layout.eventRows - 1, last: shownEvents.count - 1)
            return []
        }
        if focus == .detail {
            // The drawing clamps the offset to what there is to show.
            switch action {
            case .up: detailScroll = max(0, detailScroll - 1)
            case .down: detailScroll += 1
            case .pageUp, .top: detailScroll = 0
            default: detailScroll += 10
            }
            return []
        }
        if focus == .logs {
            let page = max(1, layout.logRows - 1)
            switch action {
            case .up: return scrollLogs(by: 1)
            case .down: return scrollLogs(by: -1)
            case .pageUp: return scrollLogs(by: page)
            case .pageDown: return scrollLogs(by: -page)
            case .top: return logsToFirstLine()
            default: return logsToLastLine()
            }
        }
        let page = max(1, layout.tableRows - 1)
        switch action {
        case .up: moveSelection(by: -1)
        case .down: moveSelection(by: 1)
        case .pageUp: moveSelection(by: -page)
        case .pageDown: moveSelection(by: page)
        case .top: select(index: 0)
        default: select(index: rows.count - 1)
        }
        return followSelection()
    }

    /// `i` moved by `action` (a line, a page of `page`, the top, the end), kept in 0...last.
    static func moved(_ i: Int, _ action: KeyAction, page: Int, last: Int) -> Int {
        let page = max(1, page), last = max(0, last)
        let next: Int
        switch action {
        case .up: next = i - 1
        case .down: next = i + 1
        case .pageUp: next = i - page
        case .pageDown: next = i + page
        case .top: next = 0
        default: next = last
        }
        return min(last, max(0, next))
    }

    /// s, r, K, d, p: on the marked containers when there are any (then the marks go, so the
    /// next key acts on the selection again; a cancelled question keeps them), else on every
    /// replica of a selected service heading, else on the selection. Kill and remove ask first.
    mutating func containerAction(_ action: KeyAction) -> [Effect] {
        let marks = !marked.isEmpty
        // Several: the marked containers, else every replica of a selected service heading.
        let group = marks ? nil : selectedService
        let bulk = marks || group != nil
        let targets: [ContainerEntry]
        if marks {
            // Display order first, then marked rows the filter hides now (they were marked seen).
            let shown = visibleIDs.filter { marked.contains($0) }
            let hidden = order.filter { marked.contains($0) && !shown.contains($0) }
            targets = (shown + hidden).compactMap { entries[$0] }
        } else if let group {
            targets = members(of: group)
            guard !targets.isEmpty else {
                status = StatusMessage("\(group) has no replicas", .error)
                return []
            }
        } else if let e = selected {
            targets = [e]
        } else {
            status = StatusMessage("no container selected", .error)
            return []
        }
        let free = targets.filter { busy[$0.id] == nil }
        guard !free.isEmpty else {
            status = StatusMessage(bulk ? "every \(group.map { "replica of \($0)" } ?? "marked container") is still busy" : "\(targets[0].name) is still \(busy[targets[0].id]!)", .error)
            return []
        }
        let running = free.filter { $0.info.state.isRunning }
        let noneRunning = bulk ? "none of \(group.map { "the replicas of " + $0 } ?? "the marked containers") is running" : "\(free[0].name) is not running"
        let what = bulk ? "\(free.count) marked container\(free.count == 1 ? "" : "s")" : free[0].name
        var actions: [EngineAction] = []
        switch action {
        case .startStop:
            // Any running: stop those; none running: start them all.
            actions = running.isEmpty ? free.map { .start(id: $0.id, name: $0.name) } : running.map { .stop(id: $0.id, name: $0.name) }
        case .restart:
            actions = free.map { .restart(id: $0.id, name: $0.name) }
        case .pause:
            guard !running.isEmpty else {
                status = StatusMessage(noneRunning, .error)
                return []
            }
            // Any not paused: pause those; all paused: unpause them.
            let unpaused = running.filter { !$0.info.state.paused }
            actions = unpaused.isEmpty ? running.map { .unpause(id: $0.id, name: $0.name) } : unpaused.map { .pause(id: $0.id, name: $0.name) }
        case .kill:
            guard !running.isEmpty else {
                status = StatusMessage(noneRunning, .error)
                return []
            }
            let question = "Kill \(bulk ? Self.names(running) : running[0].name) with SIGKILL?"
            mode = .confirm(PendingConfirmation(question: question, actions: running.map { .kill(id: $0.id, name: $0.name) }, clearsMarks: marks))
            return []
        default:
            let question = bulk
                ? "Remove \(Self.names(free))?\(running.isEmpty ? "" : " \(running.count) running will be killed.")"
                : (running.isEmpty ? "Remove \(what)?" : "Remove \(what)? It is running and will be killed.")
            mode = .confirm(PendingConfirmation(question: question, actions: free.map {
                .remove(id: $0.id, name: $0.name, force: $0.info.state.isRunning)
            }, clearsMarks: marks))
            return []
        }
        if marks { marked = [] }
        return startAll(actions)
    }

    /// "3 containers (web-1, web-2, db)", for a question about several.
    static func names(_ entries: [ContainerEntry]) -> String {
        let list = entries.prefix(4).map(\.name).joined(separator: ", ") + (entries.count > 4 ? ", …" : "")
        return entries.count == 1 ? entries[0].name : "\(entries.count) containers (\(list))"
    }

    /// Starts each action; the status names the count when there are several.
    mutating func startAll(_ actions: [EngineAction]) -> [Effect] {
        let effects = actions.flatMap { start($0) }
        if actions.count > 1 { status = StatusMessage("\(actions[0].progressWord) \(actions.count) containers…") }
        return effects
    }

    /// `+`/`-` on an autoscaled service: its controller owns the count, so the keys move its range
    /// (both ends by one) instead, and say so; the engine checks the new range as `service autoscale` does.
    mutating func moveAutoscaleRange(_ service: String, _ p: AutoscalePolicy, by step: Int) -> [Effect] {
        let lo = p.min + step, hi = p.max + step
        guard lo >= 1 else {
            status = StatusMessage("\(service) is autoscaled within \(p.min)..\(p.max): its range cannot go lower (berth service autoscale \(service) --off to scale by hand)", .error)
            return []
        }
        let effects = start(.autoscaleRange(service: service, min: lo, max: hi))
        status = StatusMessage("\(service) is autoscaled: its range moves from \(p.min)..\(p.max) to \(lo)..\(hi)…")
        return effects
    }

    /// `+`/`-`: presses accumulate on the count last asked for; while a scale of the service runs,
    /// the new count waits and is applied when it ends (`finish`), so quick presses add up and
    /// calls never race each other.
    mutating func scale(_ service: String, by step: Int) -> [Effect] {
        scale(service, to: max(0, (scaleTargets[service] ?? replicas(of: service)) + step))
    }

    /// `:scale SERVICE=N` and the keys: one call per service at a time, the last count asked wins.
    mutating func scale(_ service: String, to target: Int) -> [Effect] {
        scaleTargets[service] = target
        if scalesRunning[service] != nil {
            status = StatusMessage("\(service) → \(target) (pending)")
            return []
        }
        scalesRunning[service] = target
        return start(.scale(service: service, replicas: target))
    }

    /// Marks the container busy and asks the run loop to perform the action off the UI thread.
    mutating func start(_ action: EngineAction) -> [Effect] {
        if let id = action.containerID {
            busy[id] = action.progressWord
            keptVisibleID = id
        }
        status = StatusMessage("\(action.progressWord) \(action.target)…")
        return [.perform(action)]
    }

    mutating func resort() {
        recomputeRows()
        scrollToSelection()
    }

    mutating func setFilter(_ text: String) {
        filter = ContainerFilter(text)
        recomputeRows()
        scrollToSelection()
        // Said while typing, not only at Enter: "web-[" matching nothing must not look like "no such containers".
        if filter.regexError {
            status = StatusMessage(Self.regexProblem(text), .error)
        } else if status?.text.hasSuffix(Self.regexProblemSuffix) == true {
            status = nil
        }
    }

    mutating func setEventsFilter(_ text: String) {
        eventsFilter = ContainerFilter(text)
        eventsScroll = 0
        if eventsFilter.regexError { status = StatusMessage(Self.regexProblem(text), .error) }
    }

    static let regexProblemSuffix = "is not a valid regular expression: matched as plain text"
    static func regexProblem(_ text: String) -> String { "\(text.quoted) \(regexProblemSuffix)" }

    mutating func setTheme(_ t: Theme) {
        theme = t
        palette = Palette(theme: t, mode: colorMode)
        status = StatusMessage("theme \(t.name)")
    }

    /// `n`/`N` (and Enter in the search prompt): the next match `direction` (up: older) among the
    /// held lines, else a search on through the file that way.
    mutating func jumpToMatch(_ direction: SearchDirection) -> [Effect] {
        guard !logs.search.isEmpty else {
            status = StatusMessage("no search: press / in the logs pane", .error)
            return []
        }
        let matcher: LogMatcher
        do { matcher = try LogPattern(term: logs.search).matcher() } catch {
            status = StatusMessage("\(error)", .error)
            return []
        }
        let older = direction == .up
        let lines = logs.visibleLines
        let start = logs.matchIndex ?? (older ? lines.count : -1)
        let range: [Int] = older ? Array(stride(from: start - 1, through: 0, by: -1))
                                 : Array(stride(from: start + 1, to: lines.count, by: 1))
        guard let hit = range.first(where: { matcher.matches(lines[$0].text) }) else {
            let file = searchFile(older: older)
            if !file.isEmpty {
                status = StatusMessage("searching the log \(direction.inLogs) for \(logs.search.quoted)… (Esc cancels)")
                return file
            }
            status = StatusMessage("no \(direction.inLogs) match for \(logs.search.quoted) \(Self.otherWay(direction, logs.searchDirection))", .error)
            return []
        }
        logs.matchIndex = hit
        // Put the match in the middle of the pane.
        let fromBottom = lines.count - 1 - hit
        logs.scrollFromBottom = max(0, fromBottom - layout.logRows / 2)
        logs.follow = false
        let matching = lines.indices.filter { matcher.matches(lines[$0].text) }
        status = StatusMessage("match \(matching.firstIndex(of: hit)! + 1) of \(matching.count) · \(Self.searchKeys(logs.searchDirection, inLogs: true))")
        return []
    }

    /// "(N searches newer)": the key that goes the other way from `went`, for a "no match".
    static func otherWay(_ went: SearchDirection, _ search: SearchDirection) -> String {
        "(\(went == search ? "N" : "n") searches \(went.reversed.inLogs))"
    }

    /// "n older, N newer": what the keys do now, for the status line.
    static func searchKeys(_ d: SearchDirection, inLogs: Bool) -> String {
        let words = inLogs ? (d.inLogs, d.reversed.inLogs) : (d.inDocument, d.reversed.inDocument)
        return "n \(words.0), N \(words.1)"
    }
}

extension DashboardModel {
    /// "auto 2..6 · cpu 45%/60%": the range, then each target beside the replicas' mean use
    /// (CPU against their `--cpus` limit, else one core, as the controller measures it).
    func autoscaleHeading(_ service: String, _ p: AutoscalePolicy) -> String {
        let running = members(of: service).filter { $0.info.state.isRunning }
        func mean(_ xs: [Double]) -> String { xs.isEmpty ? "-" : Format.percent(xs.reduce(0, +) / Double(xs.count)) }
        var text = "auto \(p.min)..\(p.max)"
        if let target = p.cpuTarget { text += " · cpu \(mean(running.map { $0.cpuOfLimitPercent ?? $0.cpuPercent }))/\(target)%" }
        if let target = p.memoryTarget {
            text += " · mem \(mean(running.compactMap { e in e.memoryLimit.map { Double(e.memoryUsage) * 100 / Double(max(1, $0)) } }))/\(target)%"
        }
        return text
    }
}
