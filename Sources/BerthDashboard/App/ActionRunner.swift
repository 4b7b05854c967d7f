import BerthOS
import BerthRuntime
import Foundation

/// Runs engine actions on a background queue, one at a time, so the UI never waits for a
/// container to stop; each outcome (with its duration) comes back through the mailbox.
final class ActionRunner: Sendable {
    static let stopTimeout = 10
    private let engine: any ContainerEngine
    private let actions: DashboardActions
    private let queue = DispatchQueue(label: "berth.dashboard.actions")
    private let done: @Sendable (ActionOutcome) -> Void

    init(engine: any ContainerEngine, actions: DashboardActions, done: @escaping @Sendable (ActionOutcome) -> Void) {
        self.engine = engine
        self.actions = actions
        self.done = done
    }

    func perform(_ action: EngineAction) {
        queue.async { [engine, actions, done] in
            done(ActionRunner.run(action, engine: engine, actions: actions))
        }
    }

    /// Performs one action synchronously; tests call this directly.
    static func run(_ action: EngineAction, engine: any ContainerEngine, actions: DashboardActions) -> ActionOutcome {
        let start = DispatchTime.now().uptimeNanoseconds
        var failure: String?
        var detail: String?
        do {
            switch action {
            case .start(let id, _): try engine.start(id)
            case .stop(let id, _): try engine.stop(id, timeout: stopTimeout)
            case .restart(let id, _): try engine.restart(id, timeout: stopTimeout)
            case .kill(let id, _): try engine.kill(id, signal: SIGKILL)
            case .remove(let id, _, let force): try engine.remove(id, force: force)
            case .pause(let id, _): try engine.pause(id)
            case .unpause(let id, _): try engine.unpause(id)
            case .scale(let service, let n):
                guard let scale = actions.scale else { throw BerthError.unsupported(ActionAvailability.scaleMissing) }
                try scale(service, n)
            case .removeResource(let kind, let name): try engine.removeResource(kind, name)
            case .pruneResources(let kind): detail = try engine.pruneResources(kind)
            case .signalProcess(let id, _, let pid, let signal): try engine.signalProcess(id, pid: pid, signal: signal)
            case .update(let id, _, let change): try engine.update(id, change)
            case .autoscaleRange(let service, let lo, let hi): try engine.setAutoscaleRange(service, min: lo, max: hi)
            }
        } catch {
            failure = "\(error)"
        }
        if let notes = actions.notices?(), !notes.isEmpty, failure == nil {
            detail = ([detail ?? action.doneText] + notes).joined(separator: "; ")
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return ActionOutcome(action: action, seconds: seconds, error: failure, detail: detail)
    }
}
