import Foundation

/// One sample of one container's resource use, normalised to nanoseconds and bytes.
/// Counters (cpu, io, net) are cumulative; rates come from two samples (see `StatsRates`).
public struct ContainerStats: Codable, Sendable, Equatable {
    public var id: String
    /// CLOCK_MONOTONIC nanoseconds when the sample was taken.
    public var timestamp: UInt64
    public var cpuUsageNanos: UInt64
    public var cpuThrottledNanos: UInt64?
    public var cpuThrottledPeriods: UInt64?
    /// Usage minus inactive file cache, as docker reports it.
    public var memoryUsage: UInt64
    /// nil when unlimited.
    public var memoryLimit: UInt64?
    public var memoryCache: UInt64?
    public var pids: UInt64
    public var pidsLimit: UInt64?
    public var blockRead: UInt64
    public var blockWrite: UInt64
    public var netRx: UInt64
    public var netTx: UInt64
    public var oomKills: UInt64
    /// The container's own pressure stall (cgroup v2 only; nil on v1).
    public var pressure: PressureSet?

    public init(id: String, timestamp: UInt64, cpuUsageNanos: UInt64 = 0, cpuThrottledNanos: UInt64? = nil,
                cpuThrottledPeriods: UInt64? = nil, memoryUsage: UInt64 = 0, memoryLimit: UInt64? = nil,
                memoryCache: UInt64? = nil, pids: UInt64 = 0, pidsLimit: UInt64? = nil, blockRead: UInt64 = 0,
                blockWrite: UInt64 = 0, netRx: UInt64 = 0, netTx: UInt64 = 0, oomKills: UInt64 = 0) {
        self.id = id; self.timestamp = timestamp; self.cpuUsageNanos = cpuUsageNanos
        self.cpuThrottledNanos = cpuThrottledNanos; self.cpuThrottledPeriods = cpuThrottledPeriods
        self.memoryUsage = memoryUsage; self.memoryLimit = memoryLimit; self.memoryCache = memoryCache
        self.pids = pids; self.pidsLimit = pidsLimit; self.blockRead = blockRead; self.blockWrite = blockWrite
        self.netRx = netRx; self.netTx = netTx; self.oomKills = oomKills
    }
}

/// Rates between two samples of the same container.
public struct StatsRates: Sendable, Equatable {
    /// Percent of one CPU (100 = one full core), as docker and ctop show it.
    public var cpuPercent: Double
    public var netRxPerSecond: Double
    public var netTxPerSecond: Double
    public var blockReadPerSecond: Double
    public var blockWritePerSecond: Double

    public init(cpuPercent: Double, netRxPerSecond: Double, netTxPerSecond: Double,
                blockReadPerSecond: Double, blockWritePerSecond: Double) {
        self.cpuPercent = cpuPercent; self.netRxPerSecond = netRxPerSecond; self.netTxPerSecond = netTxPerSecond
        self.blockReadPerSecond = blockReadPerSecond; self.blockWritePerSecond = blockWritePerSecond
    }

    /// Rates from `previous` to `current`; zero where a counter went backwards (a restart resets them).
    public static func between(_ previous: ContainerStats, _ current: ContainerStats) -> StatsRates {
        guard current.timestamp > previous.timestamp else {
            return StatsRates(cpuPercent: 0, netRxPerSecond: 0, netTxPerSecond: 0, blockReadPerSecond: 0, blockWritePerSecond: 0)
        }
        let seconds = Double(current.timestamp - previous.timestamp) / 1e9
        func rate(_ a: UInt64, _ b: UInt64) -> Double { b >= a ? Double(b - a) / seconds : 0 }
        let cpu = current.cpuUsageNanos >= previous.cpuUsageNanos
            ? Double(current.cpuUsageNanos - previous.cpuUsageNanos) / Double(current.timestamp - previous.timestamp) * 100
            : 0
        return StatsRates(cpuPercent: cpu,
                          netRxPerSecond: rate(previous.netRx, current.netRx),
                          netTxPerSecond: rate(previous.netTx, current.netTx),
                          blockReadPerSecond: rate(previous.blockRead, current.blockRead),
                          blockWritePerSecond: rate(previous.blockWrite, current.blockWrite))
    }
}

/// The host as the dashboard's header shows it.
public struct HostInfo: Codable, Sendable, Equatable {
    public var hostname: String
    public var kernel: String
    public var cgroupVersion: String
    public var cpuCount: Int
    public var memoryTotal: UInt64
    public var memoryAvailable: UInt64
    /// Cumulative busy and total jiffies from /proc/stat, for host CPU%.
    public var cpuBusyTicks: UInt64
    public var cpuTotalTicks: UInt64
    /// The host's pressure stall information; nil when the kernel has none (`psi=0`).
    public var pressure: PressureSet?

    public init(hostname: String, kernel: String, cgroupVersion: String, cpuCount: Int, memoryTotal: UInt64,
                memoryAvailable: UInt64, cpuBusyTicks: UInt64 = 0, cpuTotalTicks: UInt64 = 0, pressure: PressureSet? = nil) {
        self.hostname = hostname; self.kernel = kernel; self.cgroupVersion = cgroupVersion; self.cpuCount = cpuCount
        self.memoryTotal = memoryTotal; self.memoryAvailable = memoryAvailable
        self.cpuBusyTicks = cpuBusyTicks; self.cpuTotalTicks = cpuTotalTicks; self.pressure = pressure
    }
}
