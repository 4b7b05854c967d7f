import BerthOS
import BerthRuntime
import Foundation

/// A parsed `:` command line.
public enum DashboardCommand: Equatable, Sendable {
    case containerAction(verb: String, refs: [String])
    case scale(service: String, replicas: Int)
    case theme(String?)
    case sort(SortKey, descending: Bool?)
    case filter(String)
    case graph(GraphStyle)
    case all(Bool?)
    case view(DashboardView)
    case update(ref: String, change: ContainerUpdate)
    case help
    case problems
    /// The logs pane's time range: `:since TIME`, `:until TIME` (nil: that end cleared).
    case logsSince(String?)
    case logsUntil(String?)
    /// `:save PATH` (`:save!` overwrites).
    case save(path: String, overwrite: Bool)
    case quit

    public static let verbs = ["start", "stop", "restart", "kill", "rm", "remove", "pause", "unpause"]

    /// Parses one line (without the colon); the error is a sentence for the status bar.
    public static func parse(_ line: String) -> Result<DashboardCommand, CommandError> {
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let head = words.first?.lowercased() else { return .failure(CommandError("empty command")) }
        let args = Array(words.dropFirst())
        switch head {
        case _ where verbs.contains(head):
            guard !args.isEmpty else { return .failure(CommandError("usage: :\(head) NAME...")) }
            return .success(.containerAction(verb: head == "remove" ? "rm" : head, refs: args))
        case "scale":
            guard args.count == 1 else { return .failure(CommandError("usage: :scale SERVICE=N")) }
            let parts = args[0].split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let n = Int(parts[1]), n >= 0 else {
                return .failure(CommandError("usage: :scale SERVICE=N (N ≥ 0)"))
            }
            return .success(.scale(service: parts[0], replicas: n))
        case "theme":
            return .success(.theme(args.first))
        case "sort":
            guard let a = args.first, let key = SortKey.parse(a) else {
                return .failure(CommandError("usage: :sort \(SortKey.allCases.map(\.rawValue).joined(separator: "|")) [asc|desc]"))
            }
            let dir = args.dropFirst().first?.lowercased()
            return .success(.sort(key, descending: dir == "desc" ? true : (dir == "asc" ? false : nil)))
        case "filter":
            return .success(.filter(args.joined(separator: " ")))
        case "graph":
            guard let a = args.first, let g = GraphStyle(rawValue: a.lowercased()) else {
                return .failure(CommandError("usage: :graph braille|block|ascii"))
            }
            return .success(.graph(g))
        case "all":
            switch args.first?.lowercased() {
            case nil: return .success(.all(nil))
            case "on"?, "yes"?, "true"?: return .success(.all(true))
            case "off"?, "no"?, "false"?: return .success(.all(false))
            default: return .failure(CommandError("usage: :all [on|off]"))
            }
        case "events", "ev": return .success(.view(.events))
        case "containers", "co": return .success(.view(.containers))
        case "images", "im": return .success(.view(.images))
        case "volumes", "vol": return .success(.view(.volumes))
        case "networks", "net": return .success(.view(.networks))
        case "processes", "ps", "top": return .success(.view(.processes))
        case "help", "h": return .success(.help)
        case "problems": return .success(.problems)
        case "update", "limits":
            guard let ref = args.first, args.count > 1 else {
                return .failure(CommandError("usage: :update NAME memory=64m cpus=0.5 pids=100 (also swap=, shares=, cpuset=)"))
            }
            return LimitsCommand.parse(Array(args.dropFirst())).map { .update(ref: ref, change: $0) }
        case "since": return .success(.logsSince(args.isEmpty ? nil : args.joined(separator: " ")))
        case "until": return .success(.logsUntil(args.isEmpty ? nil : args.joined(separator: " ")))
        case "save", "save!":
            // The rest of the line as typed: a path may hold spaces.
            let path = line.drop { $0 == " " }.drop { $0 != " " }.trimmingCharacters(in: .whitespaces)
            guard !path.isEmpty else { return .failure(CommandError(LogsExportError.noPath.description)) }
            return .success(.save(path: path, overwrite: head == "save!"))
        case "q", "quit", "exit": return .success(.quit)
        default:
            return .failure(CommandError("unknown command '\(head)' (try :help)"))
        }
    }
}

public struct CommandError: Error, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

extension DashboardModel {
    mutating func run(command line: String) -> [Effect] {
        let command: DashboardCommand
        switch DashboardCommand.parse(line) {
        case .failure(let e):
            status = StatusMessage(e.message, .error)
            return []
        case .success(let c): command = c
        }
        switch command {
        case .containerAction(let verb, let refs):
            // All or nothing: a name that matches no container stops the whole command before
            // anything is done, so its error is not overwritten by the others' results.
            let missing = refs.filter { resolve($0) == nil }
            guard missing.isEmpty else {
                let names = missing.map { Quoted.escapeControls($0) }.joined(separator: ", ")
                status = StatusMessage("no such container: \(names) (nothing done)", .error)
                return []
            }
            var effects: [Effect] = []
            for ref in refs {
                guard let e = resolve(ref) else { continue }
                let running = e.info.state.isRunning
                let action: EngineAction
                switch verb {
                case "start": action = .start(id: e.id, name: e.name)
                case "stop": action = .stop(id: e.id, name: e.name)
                case "restart": action = .restart(id: e.id, name: e.name)
                case "kill": action = .kill(id: e.id, name: e.name)
                case "pause": action = .pause(id: e.id, name: e.name)
                case "unpause": action = .unpause(id: e.id, name: e.name)
                default: action = .remove(id: e.id, name: e.name, force: running)
                }
                effects += start(action)
            }
            return effects
        case .update(let ref, let change):
            guard let e = resolve(ref) else {
                status = StatusMessage("no such container: \(Quoted.escapeControls(ref))", .error)
                return []
            }
            guard busy[e.id] == nil else {
                status = StatusMessage("\(e.name) is still \(busy[e.id]!)", .error)
                return []
            }
            return start(.update(id: e.id, name: e.name, change: change))
        case .scale(let service, let n):
            guard available.scale else {
                status = StatusMessage(ActionAvailability.scaleMissing, .error)
                return []
            }
            return scale(service, to: n)
        case .theme(let name):
            guard let name else {
                status = StatusMessage("themes: \(themes.themes.map(\.name).joined(separator: ", "))")
                return []
            }
            guard let t = themes.named(name) else {
                status = StatusMessage("no theme '\(name)' (have: \(themes.themes.map(\.name).joined(separator: ", ")))", .error)
                return []
            }
            setTheme(t)
        case .sort(let key, let descending):
            sort = key
            sortDescending = descending ?? key.descendingByDefault
            resort()
            status = StatusMessage("sorted by \(key.rawValue)\(sortDescending ? " (descending)" : "")")
        case .filter(let text):
            setFilter(text)
            if !filter.regexError {
                status = StatusMessage(text.isEmpty ? "filter cleared" : "filter: \(Quoted.escapeControls(text))")
            }
            return followSelection()
        case .graph(let g):
            graphStyle = glyphs.unicode ? g : .ascii
            status = StatusMessage("graphs: \(graphStyle.rawValue)")
        case .all(let on):
            showAll = on ?? !showAll
            resort()
            status = StatusMessage(showAll ? "showing all containers" : "hiding exited containers")
            return followSelection()
        case .view(let v):
            let actions: [DashboardView: KeyAction] = [.containers: .focusContainers, .events: .showEvents, .images: .showImages,
                                                       .volumes: .showVolumes, .networks: .showNetworks, .processes: .processes]
            return perform(actions[v] ?? .focusContainers)
        case .help:
            mode = .help(scroll: 0)
        case .problems:
            guard !startupProblems.isEmpty else {
                status = StatusMessage("no problems with the config or the themes")
                return []
            }
            problemCursor = (problemCursor + 1) % startupProblems.count
            showProblem(problemCursor)
        case .logsSince(let time): return setLogsRange(since: .some(time))
        case .logsUntil(let time): return setLogsRange(until: .some(time))
        case .save(let path, let overwrite): return saveLogs(path: path, overwrite: overwrite)
        case .quit:
            quitRequested = true
            return [.quit]
        }
        return []
    }
}

extension DashboardModel {
    /// Every problem found at start is kept; the status bar shows the first and says how many there
    /// are, and `:problems` walks through the rest.
    public mutating func report(startupProblems problems: [String]) {
        startupProblems = problems
        problemCursor = 0
        if !problems.isEmpty { showProblem(0) }
    }

    mutating func showProblem(_ i: Int) {
        let count = startupProblems.count
        let text = count == 1 ? startupProblems[i] : "\(startupProblems[i]) (\(i + 1) of \(count); :problems for the next)"
        status = StatusMessage(text, .error)
    }
}
