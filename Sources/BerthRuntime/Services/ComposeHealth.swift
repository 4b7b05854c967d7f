import BerthOS
import Yams

/// compose's `depends_on` long syntax: what `up` waits for before it starts a dependent.
public struct ServiceDependency: Codable, Sendable, Equatable {
    public enum Condition: String, Codable, Sendable, CaseIterable {
        /// The dependency's replicas were started (the short syntax's meaning).
        case started = "service_started"
        /// Every replica of the dependency reports `healthy` (it needs a healthcheck).
        case healthy = "service_healthy"
        /// Every replica of the dependency has exited with code 0 (a one-shot job: migrations, seeding).
        case completedSuccessfully = "service_completed_successfully"
    }

    public var condition: Condition
    /// compose's `restart: true`: when `up` recreates the dependency, the dependent's replicas are restarted.
    public var restart: Bool

    public init(condition: Condition = .started, restart: Bool = false) {
        self.condition = condition; self.restart = restart
    }
}

/// The compose keys of healthchecks: `healthcheck:` (a `RunOptions` key, read by `runOption`) and
/// the long syntax of `depends_on`.
extension Reader {
    /// `healthcheck:` with compose's keys: `test` (a string runs under the shell; a list starts with
    /// NONE, CMD or CMD-SHELL), `interval`, `timeout`, `start_period`, `start_interval`, `retries`, `disable`.
    mutating func healthcheck(_ node: Node, _ path: String) throws -> HealthConfig {
        var h = HealthConfig()
        var disabled = false
        for (key, value) in try mapping(node, path) {
            let kpath = "\(path).\(key)"
            func duration(_ node: Node) throws -> Int64 {
                let text = try string(node, kpath)
                do { return try HealthConfig.duration(text, flag: "duration") } catch {
                    throw fail(kpath, "expected a duration such as 30s, 1m30s or 500ms, not \(text.quoted)")
                }
            }
            switch key {
            case "test":
                if case .sequence = value { h.test = try stringList(value, kpath) } else { h.test = ["CMD-SHELL", try string(value, kpath)] }
            case "interval": h.interval = try duration(value)
            case "timeout": h.timeout = try duration(value)
            case "start_period": h.startPeriod = try duration(value)
            case "start_interval": h.startInterval = try duration(value)
            case "retries": h.retries = try integer(value, kpath)
            case "disable": disabled = try boolean(value, kpath)
            default: throw fail(kpath, "unknown healthcheck key (expected test, interval, timeout, start_period, start_interval, retries or disable)")
            }
        }
        if disabled { return .disabled }
        do { try HealthConfig.check(h) } catch { throw fail(path, error.description) }
        return h
    }

    /// One entry of `depends_on`'s long syntax: `condition` and `restart` (`required` is accepted
    /// when true, the only meaning Berth has).
    mutating func dependency(_ node: Node, _ path: String) throws -> ServiceDependency {
        var d = ServiceDependency()
        if Self.isNull(node) { return d }
        for (key, value) in try mapping(node, path) {
            let kpath = "\(path).\(key)"
            switch key {
            case "condition":
                let text = try string(value, kpath)
                guard let c = ServiceDependency.Condition(rawValue: text) else {
                    throw fail(kpath, "expected \(ServiceDependency.Condition.allCases.map(\.rawValue).joined(separator: ", ")), not \(text.quoted)")
                }
                d.condition = c
            case "restart": d.restart = try boolean(value, kpath)
            case "required":
                guard try boolean(value, kpath) else { throw fail(kpath, "optional dependencies (required: false) are not supported") }
            default: throw fail(kpath, "unknown depends_on key (expected condition, restart or required)")
            }
        }
        return d
    }
}
