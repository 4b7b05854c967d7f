import Foundation

/// The average use of a service's running replicas over the last interval, in percent of their
/// limits (see `AutoscalePolicy`), and how many replicas it was measured on.
public struct ServiceUtilization: Sendable, Equatable {
    public var cpuPercent: Double?
    public var memoryPercent: Double?
    public var measured: Int

    public init(cpuPercent: Double? = nil, memoryPercent: Double? = nil, measured: Int) {
        self.cpuPercent = cpuPercent; self.memoryPercent = memoryPercent; self.measured = measured
    }
}

/// One decision of the scaler: the count to run and why, in words for the event journal.
public struct ScaleDecision: Sendable, Equatable {
    public var desired: Int
    public var reason: String
}

/// Kubernetes' HorizontalPodAutoscaler rule as a pure function of what it has seen, so the rule
/// is tested without containers and the controller only samples, decides and scales:
/// 1. per metric, `ceil(current × usage / target)` unless usage is within the tolerance of the
///    target; the highest of the metrics wins;
/// 2. stabilization: growing takes the lowest recommendation of the scale-up window, shrinking
///    the highest of the scale-down window, so one busy or idle sample does not move the count;
/// 3. rate limits as Kubernetes' default behaviour: up by at most max(4, 100 %) and down by at
///    most 100 % per decision;
/// 4. clamped to `min...max`.
public struct HorizontalScaler: Sendable {
    public let policy: AutoscalePolicy
    /// (time in seconds, recommended count), oldest first; kept as long as the longer window.
    public private(set) var recommendations: [(time: Double, replicas: Int)] = []

    public init(policy: AutoscalePolicy) { self.policy = policy }

    /// The raw recommendation for one metric, or nil when the metric is not targeted or measured.
    static func proposal(current: Int, usage: Double?, target: Int?) -> Int? {
        guard let usage, let target, current > 0 else { return nil }
        let ratio = usage / Double(target)
        if abs(ratio - 1) <= AutoscalePolicy.tolerance { return current }
        return Int((Double(current) * ratio).rounded(.up))
    }

    /// What to run now, given the current count and the use measured at `now` (seconds, any
    /// monotonic origin). With nothing measured (no replica ran a whole interval) the count only
    /// moves into `min...max`.
    public mutating func decide(current: Int, utilization: ServiceUtilization, now: Double) -> ScaleDecision {
        let clamped = Swift.min(Swift.max(current, policy.min), policy.max)
        guard utilization.measured > 0 else {
            return ScaleDecision(desired: clamped, reason: clamped == current ? "no replica measured yet" : "kept within \(policy.min)..\(policy.max)")
        }
        let cpu = Self.proposal(current: current, usage: utilization.cpuPercent, target: policy.cpuTarget)
        let memory = Self.proposal(current: current, usage: utilization.memoryPercent, target: policy.memoryTarget)
        guard let raw = [cpu, memory].compactMap({ $0 }).max() else {
            return ScaleDecision(desired: clamped, reason: "no targeted metric measured")
        }
        let window = Swift.max(policy.scaleUpStabilization, policy.scaleDownStabilization)
        recommendations.removeAll { now - $0.time > window }
        recommendations.append((now, raw))

        var up = raw, down = raw
        for r in recommendations {
            if now - r.time <= policy.scaleUpStabilization { up = Swift.min(up, r.replicas) }
            if now - r.time <= policy.scaleDownStabilization { down = Swift.max(down, r.replicas) }
        }
        var desired = current
        if desired < up { desired = up }
        if desired > down { desired = down }
        let stabilized = desired != raw

        let maxUp = current + Swift.max(4, current)
        let limited = desired > maxUp
        desired = Swift.min(desired, maxUp)
        desired = Swift.min(Swift.max(desired, policy.min), policy.max)

        var why: [String] = []
        if let usage = utilization.cpuPercent, let target = policy.cpuTarget {
            why.append(String(format: "cpu %.0f%% of target %d%%", usage, target))
        }
        if let usage = utilization.memoryPercent, let target = policy.memoryTarget {
            why.append(String(format: "memory %.0f%% of target %d%%", usage, target))
        }
        var reason = why.joined(separator: ", ") + " over \(utilization.measured) replica\(utilization.measured == 1 ? "" : "s")"
        if raw != current { reason += ", recommends \(raw)" }
        if stabilized && desired == current && raw != current { reason += ", held by the stabilization window" }
        if limited { reason += ", limited to \(desired) this step" }
        if desired != raw && (desired == policy.min || desired == policy.max) && !stabilized { reason += ", kept within \(policy.min)..\(policy.max)" }
        return ScaleDecision(desired: desired, reason: reason)
    }
}
