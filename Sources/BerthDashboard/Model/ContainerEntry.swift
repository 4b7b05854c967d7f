import BerthOS
import BerthRuntime

/// One container as the dashboard tracks it across ticks: the latest info and stats, the rates
/// between the last two samples, and a bounded history for graphs.
public struct ContainerEntry: Sendable {
    public static let historyCapacity = 600

    public var info: ContainerInfo
    public var stats: ContainerStats?
    public var rates: StatsRates?
    /// The host it is on, over several hosts (`berth top --context a --context b`); nil for one engine.
    public var host: String?
    public var cpuHistory = History(capacity: historyCapacity)
    public var memoryHistory = History(capacity: historyCapacity)
    /// The CPU limit held the container back between the last two samples (its cgroup counted
    /// throttled periods): it wants more than `--cpus` gives it.
    public private(set) var throttled = false

    public init(info: ContainerInfo) { self.info = info }

    public var id: String { info.id }
    public var name: String { info.name }
    public var cpuPercent: Double { info.state.isRunning ? rates?.cpuPercent ?? 0 : 0 }
    public var memoryUsage: UInt64 { info.state.isRunning ? stats?.memoryUsage ?? 0 : 0 }
    public var memoryLimit: UInt64? {
        if let l = stats?.memoryLimit { return l }
        return info.limits.memory.flatMap { $0 > 0 ? UInt64($0) : nil }
    }
    /// Use against the `--cpus` limit (100 = all of it), when there is one.
    public var cpuOfLimitPercent: Double? {
        guard let cpus = info.limits.cpuLimit, cpus > 0 else { return nil }
        return cpuPercent / cpus
    }
    /// Processes of this container the kernel killed for memory (the cgroup's counter, so a child
    /// killed while PID 1 lives on counts too).
    public var oomKills: UInt64 { stats?.oomKills ?? 0 }
    public var netRate: Double { (rates?.netRxPerSecond ?? 0) + (rates?.netTxPerSecond ?? 0) }
    public var ioRate: Double { (rates?.blockReadPerSecond ?? 0) + (rates?.blockWritePerSecond ?? 0) }

    /// Takes a new sample; rates need the previous one, so the first sample of a container has none.
    mutating func record(_ sample: ContainerStats?) {
        guard let sample else {
            stats = nil; rates = nil; throttled = false
            return
        }
        // A host's stream sends a sample per interval; the dashboard's tick may see the same one
        // twice (or keep an unreachable host's last one): not a new sample, so rates stay.
        if let previous = stats, previous.timestamp == sample.timestamp { return }
        if let previous = stats {
            rates = StatsRates.between(previous, sample, previousRates: rates)
            throttled = (sample.cpuThrottledPeriods ?? 0) > (previous.cpuThrottledPeriods ?? 0)
        }
        stats = sample
        cpuHistory.append(rates?.cpuPercent ?? 0)
        memoryHistory.append(Double(sample.memoryUsage))
    }
}
