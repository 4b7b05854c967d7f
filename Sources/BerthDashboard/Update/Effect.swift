import BerthOS
import BerthRuntime
import Foundation

/// An engine call the dashboard asks for. Carries the name too, for the status bar.
public enum EngineAction: Equatable, Sendable {
    case start(id: String, name: String)
    case stop(id: String, name: String)
    case restart(id: String, name: String)
    case kill(id: String, name: String)
    case remove(id: String, name: String, force: Bool)
    case pause(id: String, name: String)
    case unpause(id: String, name: String)
    case scale(service: String, replicas: Int)
    /// `rmi`, `volume rm` or `network rm` of one, by name.
    case removeResource(kind: ResourceKind, name: String)
    /// Every unused image, volume or network.
    case pruneResources(ResourceKind)
    /// A signal to one process of a container (the processes view).
    case signalProcess(id: String, name: String, pid: Int32, signal: Int32)
    /// New limits for a container (`u`, `:update`), live when it runs.
    case update(id: String, name: String, change: ContainerUpdate)
    /// A new replica range for an autoscaled service (`+`/`-` on it).
    case autoscaleRange(service: String, min: Int, max: Int)

    /// "stopping", for the row while it runs.
    var progressWord: String {
        switch self {
        case .start: return "starting"
        case .stop: return "stopping"
        case .restart: return "restarting"
        case .kill: return "killing"
        case .remove: return "removing"
        case .pause: return "pausing"
        case .unpause: return "unpausing"
        case .scale: return "scaling"
        case .removeResource: return "removing"
        case .pruneResources: return "pruning"
        case .signalProcess: return "signalling"
        case .update: return "updating"
        case .autoscaleRange: return "moving the autoscale range of"
        }
    }

    /// "stopped web-2", for the status bar when it succeeded.
    var doneText: String {
        switch self {
        case .start(_, let n): return "started \(n)"
        case .stop(_, let n): return "stopped \(n)"
        case .restart(_, let n): return "restarted \(n)"
        case .kill(_, let n): return "killed \(n)"
        case .remove(_, let n, _): return "removed \(n)"
        case .pause(_, let n): return "paused \(n)"
        case .unpause(_, let n): return "unpaused \(n)"
        case .scale(let s, let r): return "scaled \(s) to \(r)"
        case .removeResource(let k, let n): return "removed \(k.rawValue) \(n)"
        case .pruneResources(let k): return "pruned \(k.rawValue)s"
        case .update(_, let n, _): return "updated the limits of \(n)"
        case .autoscaleRange(let s, let lo, let hi): return "\(s) now autoscales within \(lo)..\(hi)"
        case .signalProcess(_, let n, let pid, let sig): return "sent \(SignalName.name(of: sig) ?? "signal \(sig)") to process \(pid) in \(n)"
        }
    }

    var verb: String {
        switch self {
        case .start: return "start"
        case .stop: return "stop"
        case .restart: return "restart"
        case .kill: return "kill"
        case .remove: return "remove"
        case .pause: return "pause"
        case .unpause: return "unpause"
        case .scale: return "scale"
        case .removeResource: return "remove"
        case .pruneResources: return "prune"
        case .signalProcess: return "signal"
        case .update: return "update"
        case .autoscaleRange: return "set the autoscale range of"
        }
    }

    var target: String {
        switch self {
        case .start(_, let n), .stop(_, let n), .restart(_, let n), .kill(_, let n), .remove(_, let n, _),
             .pause(_, let n), .unpause(_, let n): return n
        case .scale(let s, _): return s
        case .removeResource(let k, let n): return "\(k.rawValue) \(n)"
        case .pruneResources(let k): return "unused \(k.rawValue)s"
        case .signalProcess(_, let n, let pid, _): return "process \(pid) in \(n)"
        case .update(_, let n, _): return n
        case .autoscaleRange(let s, _, _): return s
        }
    }

    var containerID: String? {
        switch self {
        case .start(let id, _), .stop(let id, _), .restart(let id, _), .kill(let id, _), .remove(let id, _, _),
             .pause(let id, _), .unpause(let id, _), .update(let id, _, _): return id
        // A process signal leaves the container's row as it is (it is not busy).
        case .scale, .removeResource, .pruneResources, .signalProcess, .autoscaleRange: return nil
        }
    }
}

/// How an engine action ended.
public struct ActionOutcome: Equatable, Sendable {
    public var action: EngineAction
    public var seconds: Double
    /// nil on success.
    public var error: String?
    /// What a success did, when the action says more than its name (a prune: what it removed).
    public var detail: String?
    public init(action: EngineAction, seconds: Double, error: String?, detail: String? = nil) {
        self.action = action; self.seconds = seconds; self.error = error; self.detail = detail
    }
}

/// What the reducer asks the outside world to do; the run loop performs these (tests record them).
public enum Effect: Equatable, Sendable {
    case perform(EngineAction)
    /// Start following the logs of this container (nil: stop following).
    case followLogs(String?)
    /// Take a sample now rather than at the next tick (after an action changed something).
    case sampleNow
    /// Read this kind of resource now and then at the slower resource cadence while its view is
    /// shown (nil: stop reading them).
    case watchResources(ResourceKind?)
    /// Read this container's inspect document (off the UI thread).
    case loadInspect(id: String)
    /// Read this container's processes now and at every sample while the processes view is
    /// shown (nil: stop reading them).
    case watchProcesses(id: String?)
    /// Run a custom command (with the terminal handed over unless it runs in the background).
    case runCustom(CustomCommandRun)
    /// Hand the terminal to a shell in this container, then redraw.
    case exec(id: String, name: String)
    /// Read the followed log file (a page, a search, a save) on the sampler thread.
    case readLogs(id: String, LogsRequest)
    /// Write these bytes (an OSC 52 clipboard sequence) to the terminal.
    case writeTerminal([UInt8])
    case quit
}

/// Everything that can happen to the dashboard.
public enum DashboardEvent: Sendable {
    case key(Key)
    case mouse(MouseEvent)
    case resize(TerminalSize)
    case snapshot(EngineSnapshot)
    /// New log lines for a container; `reset` replaces what was there (a fresh tail).
    case logLines(id: String, lines: [LogLine], reset: Bool, extent: LogsExtent? = nil)
    /// A page of the followed log file, as a `LogsRequest` asked.
    case logPage(id: String, LogsPageRead)
    /// How a search through the followed log file goes (a hit comes as a `logPage`).
    case logSearch(id: String, LogSearchReport)
    /// `:save` ended: the lines written, or why none were.
    case logSaved(path: String, lines: Int, error: String?)
    case actionFinished(ActionOutcome)
    /// Events appended to the journal since the last ones (the whole journal first), in file order.
    case journal([Event])
    /// A read of the images, volumes or networks the view on screen lists.
    case resources(ResourceSnapshot)
    /// The inspect document of a container, or why it could not be read.
    case inspected(id: String, document: String?, error: String?)
    /// A read of the watched container's processes (monotonic seconds), or why it failed.
    case processes(id: String, samples: [ProcessSample], at: Double, error: String?)
    case execFinished(name: String, error: String?)
    /// A custom command ended: its exit status and last line of output (background), or why it could not run.
    case customFinished(name: String, status: Int32?, lastLine: String?, error: String?)
    /// A signal (SIGTERM, SIGHUP) asked the dashboard to close.
    case terminate
}

import BerthRuntime
