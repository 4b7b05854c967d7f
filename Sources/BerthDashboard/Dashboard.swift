import BerthRuntime
import Foundation

/// Actions beyond `ContainerEngine` that the host program supplies (`berth top` and `berth demo`
/// supply both). Left nil, their keys refuse with `ActionAvailability.scaleMissing`/`execMissing`.
public struct DashboardActions: Sendable {
    /// Sets the number of replicas of a service. Runs off the UI thread.
    public var scale: (@Sendable (_ service: String, _ replicas: Int) throws -> Void)?
    /// Runs an interactive shell in a container with the terminal handed over; returns when it
    /// exits, saying whether a signal meant for the dashboard (SIGTERM, SIGHUP) ended it.
    public var exec: (@Sendable (_ containerID: String) throws -> ExecEnd)?

    public enum ExecEnd: Sendable {
        case returned
        /// The dashboard was told to end while the shell ran: it quits once the terminal is back.
        case signalled
    }

    /// Passes a SIGTERM/SIGHUP/SIGINT the dashboard received on to the shell `exec` is running, if
    /// any. The signal may reach the dashboard's watch rather than `exec`'s own handler (which
    /// thread takes a process signal is the kernel's choice), and the shell must end either way.
    public var forwardSignal: (@Sendable (Int32) -> Void)?

    /// Runs a custom command (`commands:` in config.yaml) by `/bin/sh -c`: in the foreground with
    /// the terminal handed over (and a prompt to return), or in the background with no terminal.
    public var runCustom: (@Sendable (CustomCommandRun) throws -> CustomCommandResult)?

    public struct CustomCommandResult: Sendable {
        public var status: Int32
        /// The last line the command printed (background only).
        public var lastLine: String?
        public init(status: Int32, lastLine: String?) { self.status = status; self.lastLine = lastLine }
    }

    /// The engine's notices since the last call (a limit the host's kernel could not apply, on
    /// start or update), shown with the action's outcome: the dashboard owns the terminal, so the
    /// engine must not print them.
    public var notices: (@Sendable () -> [String])?

    public init(scale: (@Sendable (String, Int) throws -> Void)? = nil, exec: (@Sendable (String) throws -> ExecEnd)? = nil,
                forwardSignal: (@Sendable (Int32) -> Void)? = nil,
                runCustom: (@Sendable (CustomCommandRun) throws -> CustomCommandResult)? = nil,
                notices: (@Sendable () -> [String])? = nil) {
        self.scale = scale
        self.exec = exec
        self.forwardSignal = forwardSignal
        self.runCustom = runCustom
        self.notices = notices
    }
}

public struct DashboardOptions: Sendable {
    /// Seconds between samples.
    /// Seconds between samples; nil = the config file's `interval`, else 1.
    public var interval: Double?
    /// Theme name; nil uses the config file's, else `default`.
    public var theme: String?
    /// Show exited containers from the start.
    public var showAll: Bool
    /// Config file; nil uses `~/.config/berth/config.yaml`.
    public var configPath: String?
    public var actions: DashboardActions

    public init(interval: Double? = nil, theme: String? = nil, showAll: Bool = false, configPath: String? = nil,
                actions: DashboardActions = DashboardActions()) {
        self.interval = interval
        self.theme = theme
        self.showAll = showAll
        self.configPath = configPath
        self.actions = actions
    }
}

public enum Dashboard {
    /// Runs the dashboard until the user quits. The terminal is restored on every way out (q,
    /// Ctrl-C, SIGTERM/SIGHUP, a thrown error).
    public static func run(engine: any ContainerEngine, options: DashboardOptions) throws {
        let environment = ProcessInfo.processInfo.environment
        let configDir = DashboardConfig.configDirectory(environment: environment)
        var problems: [String] = []
        var config = DashboardConfig()
        do {
            config = try DashboardConfig.load(path: options.configPath ?? configDir + "/config.yaml")
            problems += config.problems.map { "\($0) (default kept)" }
        } catch {
            problems.append("\(error) (using defaults)")
        }
        let catalog = ThemeCatalog.load(userDirectory: configDir + "/themes")
        problems += catalog.errors.map { "\($0) (theme skipped)" }
        let wanted = options.theme ?? config.theme ?? "default"
        let theme = catalog.named(wanted) ?? {
            problems.append("no theme named '\(wanted)'; using default (have: \(catalog.themes.map(\.name).joined(separator: ", ")))")
            return catalog.themes[0]
        }()

        let terminal = try NcursesTerminal(environment: environment)
        defer { terminal.stop() }
        var model = DashboardModel(
            size: terminal.size, theme: theme, themes: catalog, colorMode: terminal.colorMode, unicode: terminal.unicode,
            keys: config.keys, customCommands: config.commands, columns: config.columns, interval: options.interval ?? config.interval ?? 1, showAll: options.showAll || config.showAll == true,
            available: ActionAvailability(scale: options.actions.scale != nil, exec: options.actions.exec != nil),
            graphStyle: terminal.unicode ? config.graph : .ascii, utcOffset: TimeZone.current.secondsFromGMT(), now: Date())
        model.clipboard = config.clipboard ?? Clipboard.defaultSetting(environment: environment)
        model.report(startupProblems: problems)

        let mailbox = Mailbox()
        let sampler = Sampler(engine: engine, mailbox: mailbox, interval: options.interval ?? config.interval ?? 1)
        let runner = ActionRunner(engine: engine, actions: options.actions) { mailbox.post(.actionFinished($0)) }
        let signals = SignalWatch(mailbox: mailbox, forward: options.actions.forwardSignal)
        defer { signals.cancel(); sampler.stop() }
        sampler.start()

        var dirty = true
        while !model.quitRequested {
            if dirty {
                Renderer.render(model, on: terminal)
                dirty = false
            }
            waitForInput(mailbox.readFD)
            var events: [DashboardEvent] = []
            while let e = terminal.readEvent() { events.append(e) }
            events += mailbox.drain()
            for event in events {
                dirty = true
                for effect in model.update(event) {
                    switch effect {
                    case .perform(let a): runner.perform(a)
                    case .followLogs(let id): sampler.follow(id)
                    case .sampleNow: sampler.sampleNow()
                    case .watchResources(let kind): sampler.watch(kind)
                    case .watchProcesses(let id): sampler.watchProcesses(id)
                    case .readLogs(let id, let request): sampler.readLogs(id, request)
                    case .writeTerminal(let bytes): terminal.write(bytes)
                    case .loadInspect(let id):
                        DispatchQueue.global().async {
                            do { mailbox.post(.inspected(id: id, document: try engine.inspectDocument(id), error: nil)) } catch {
                                mailbox.post(.inspected(id: id, document: nil, error: "\(error)"))
                            }
                        }
                    case .quit: break
                    case .exec(let id, let name):
                        guard let exec = options.actions.exec else { continue }
                        var failure: String?
                        var end = DashboardActions.ExecEnd.returned
                        terminal.suspend {
                            do { end = try exec(id) } catch { failure = "\(error)" }
                        }
                        mailbox.post(.execFinished(name: name, error: failure))
                        if end == .signalled { mailbox.post(.terminate) }
                    case .runCustom(let run):
                        guard let runner = options.actions.runCustom else {
                            mailbox.post(.customFinished(name: run.name, status: nil, lastLine: nil, error: "custom commands are not available here"))
                            continue
                        }
                        @Sendable func finish(_ body: () throws -> DashboardActions.CustomCommandResult) {
                            do {
                                let r = try body()
                                mailbox.post(.customFinished(name: run.name, status: r.status, lastLine: r.lastLine, error: nil))
                            } catch {
                                mailbox.post(.customFinished(name: run.name, status: nil, lastLine: nil, error: "\(error)"))
                            }
                        }
                        if run.background {
                            DispatchQueue.global().async { finish { try runner(run) } }
                        } else {
                            terminal.suspend { finish { try runner(run) } }
                        }
                    }
                }
                if model.quitRequested { break }
            }
        }
    }

    /// Sleeps until a key arrives on stdin or background work posts something. A signal
    /// (SIGWINCH) interrupts the poll, and ncurses then reports KEY_RESIZE.
    private static func waitForInput(_ wakeFD: Int32) {
        var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        _ = poll(&fds, 2, 5000)
    }

    /// Draws one frame of `model`; what the benchmark times.
    public static func renderFrame(_ model: DashboardModel, on terminal: any Terminal) {
        Renderer.render(model, on: terminal)
    }
}

/// Turns SIGTERM and SIGHUP into a clean quit, so the terminal is restored when killed politely.
private final class SignalWatch {
    private let sources: [any DispatchSourceSignal]

    init(mailbox: Mailbox, forward: (@Sendable (Int32) -> Void)?) {
        sources = [SIGTERM, SIGHUP, SIGINT].map { sig in
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler {
                forward?(sig) // a shell running under `e` ends first, then the dashboard quits
                mailbox.post(.terminate)
            }
            s.resume()
            return s
        }
    }

    func cancel() {
        for s in sources { s.cancel() }
        for sig in [SIGTERM, SIGHUP, SIGINT] { signal(sig, SIG_DFL) }
    }
}
