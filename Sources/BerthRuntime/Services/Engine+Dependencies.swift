import BerthOS
import Foundation

/// `up`'s waits for compose's `depends_on` conditions: before a dependent is applied, each of its
/// dependencies' replicas must be started (nothing to wait for), healthy, or exited with code 0.
/// The engine polls its own listing: no daemon holds the state, the supervisors write it.
extension Engine {
    /// How long `up` waits for one dependency's condition unless told otherwise.
    public static let defaultDependencyTimeout: TimeInterval = 120

    /// Waits until the replicas of `dependency` meet `condition`; throws a one-line error naming
    /// both services when one cannot (no healthcheck, unhealthy, a failed run) or time runs out.
    func waitForDependency(_ dependency: String, of dependent: String, condition: ServiceDependency.Condition,
                           timeout: TimeInterval) throws {
        guard condition != .started else { return }
        let needed = "needed by \(dependent)'s depends_on condition \(condition.rawValue)"
        let deadline = MonotonicClock.nanos() + UInt64(max(0, timeout) * 1e9)
        while true {
            let replicas = replicas(of: dependency).values.sorted { $0.name < $1.name }
            var met = true
            for r in replicas {
                switch condition {
                case .started: break
                case .healthy:
                    if r.state.status == .running, r.state.health == nil, Self.healthcheck(of: try? spec(r.id)) == nil {
                        throw BerthError.invalidArgument("service \(dependency) has no healthcheck (\(needed))")
                    }
                    if r.state.health == "unhealthy" {
                        throw BerthError.invalidState("dependency failed to start: \(r.name) is unhealthy (\(needed))")
                    }
                    if r.state.status == .exited || r.state.status == .dead || r.state.status == .broken {
                        throw BerthError.invalidState("dependency failed to start: \(r.name) is \(r.state.status.rawValue) (\(needed))")
                    }
                    if r.state.health != "healthy" || r.state.status != .running { met = false }
                case .completedSuccessfully:
                    let ran = r.state.finishedAt != nil && (r.state.status == .exited || r.state.status == .restarting)
                    let code = r.state.exitCode ?? 0
                    if r.state.status == .exited, ran, code != 0 {
                        throw BerthError.invalidState("service \(dependency) did not complete successfully: \(r.name) exited with code \(code) (\(needed))")
                    }
                    if r.state.status == .dead || r.state.status == .broken {
                        throw BerthError.invalidState("service \(dependency) did not complete successfully: \(r.name) is \(r.state.status.rawValue) (\(needed))")
                    }
                    if !(ran && code == 0) { met = false }
                }
            }
            if met { return }
            if MonotonicClock.nanos() >= deadline {
                let what = condition == .healthy ? "to be healthy" : "to complete successfully"
                throw BerthError.invalidState("timed out after \(Int(timeout))s waiting for service \(dependency) \(what) (\(needed))")
            }
            usleep(100_000)
        }
    }
}
