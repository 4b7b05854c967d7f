import BerthOS
import Foundation

/// How a service follows its load (`berth service autoscale`, compose `x-berth-autoscale:`): the
/// fields of Kubernetes' HorizontalPodAutoscaler that a single host needs, with its defaults, so
/// that users meet a behaviour they know. Stored in the service's file.
public struct AutoscalePolicy: Codable, Sendable, Equatable {
    public var min: Int
    public var max: Int
    /// Average CPU use of the running replicas, in percent of each replica's CPU limit (`--cpus`;
    /// one core for a replica without one). Kubernetes measures against the pod's CPU request;
    /// Berth has no requests, and the limit is what a replica can at most use.
    public var cpuTarget: Int?
    /// Average memory use in percent of each replica's memory limit (replicas without one are
    /// not counted).
    public var memoryTarget: Int?
    /// Seconds of recommendations the scaler looks back over before growing (the lowest wins) and
    /// before shrinking (the highest wins): Kubernetes' `behavior.scaleUp/Down.stabilizationWindowSeconds`.
    public var scaleUpStabilization: Double
    public var scaleDownStabilization: Double
    /// Seconds between two samples (Kubernetes' controller syncs every 15 s).
    public var interval: Double

    public static let defaultScaleUpStabilization = 0.0
    public static let defaultScaleDownStabilization = 300.0
    public static let defaultInterval = 15.0
    /// Kubernetes' `--horizontal-pod-autoscaler-tolerance`: a usage within 10 % of the target
    /// changes nothing, so replicas do not flap around it.
    public static let tolerance = 0.1

    public init(min: Int, max: Int, cpuTarget: Int? = nil, memoryTarget: Int? = nil,
                scaleUpStabilization: Double = defaultScaleUpStabilization,
                scaleDownStabilization: Double = defaultScaleDownStabilization,
                interval: Double = defaultInterval) {
        self.min = min; self.max = max; self.cpuTarget = cpuTarget; self.memoryTarget = memoryTarget
        self.scaleUpStabilization = scaleUpStabilization; self.scaleDownStabilization = scaleDownStabilization
        self.interval = interval
    }

    /// Refuses a policy that cannot work, naming the field: `field` is how the user spelt it
    /// (`--min`, or `services.web.x-berth-autoscale.min`).
    public func validate(field: (String) -> String = { "--" + $0 }, maxReplicas: Int) throws(BerthError) {
        guard min >= 1 else { throw .invalidArgument("\(field("min")) must be 1 or more, not \(min)") }
        guard max >= min else { throw .invalidArgument("\(field("max")) (\(max)) must be at least \(field("min")) (\(min))") }
        guard max <= maxReplicas else {
            throw .invalidArgument("\(field("max")) \(max) is above the limit of \(maxReplicas) replicas per service (BERTH_MAX_REPLICAS)")
        }
        guard cpuTarget != nil || memoryTarget != nil else {
            throw .invalidArgument("an autoscaled service needs a target: \(field("cpu-target")) or \(field("memory-target"))")
        }
        for (name, value) in [("cpu-target", cpuTarget), ("memory-target", memoryTarget)] {
            if let v = value, !(1...1000).contains(v) { throw .invalidArgument("\(field(name)) must be 1% to 1000%, not \(v)%") }
        }
        for (name, value) in [("scale-up-stabilization", scaleUpStabilization), ("scale-down-stabilization", scaleDownStabilization)] {
            guard value.isFinite, (0...3600).contains(value) else {
                throw .invalidArgument("\(field(name)) must be 0s to 1h, not \(value)s")
            }
        }
        guard interval.isFinite, interval >= 0.2, interval <= 3600 else {
            throw .invalidArgument("\(field("interval")) must be 0.2s to 1h, not \(interval)s")
        }
    }

    /// `2..8 cpu 50%` — how `service ls` and the dashboard show it.
    public var summary: String {
        var parts = ["\(min)..\(max)"]
        if let cpuTarget { parts.append("cpu \(cpuTarget)%") }
        if let memoryTarget { parts.append("mem \(memoryTarget)%") }
        return parts.joined(separator: " ")
    }
}
