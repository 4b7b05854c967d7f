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
    /// When the block counters were read, if not with the rest (the sampler reads them at a slower
    /// pace): block IO rates are taken between two of these. nil = `timestamp` (and from a host
    /// whose stream predates the field).
    public var blockTimestamp: UInt64?
    public var netRx: UInt64
    public var netTx: UInt64
    public var oomKills: UInt64
    /// The container's own pressure stall (cgroup v2 only; nil on v1).
    public var pressure: PressureSet?

    public init(id: String, timestamp: UInt64, cpuUsageNanos: UInt64 = 0, cpuThrottledNanos: UInt64? = nil,
                cpuThrottledPeriods: UInt64? = nil, memoryUsage: UInt64 = 0, memoryLimit: UInt64? = nil,
                memoryCache: UInt64? = nil, pids: UInt64 = 0, pidsLimit: UInt64? = nil, blockRead: UInt64 = 0,
                blockWrite: UInt64 = 0, netRx: UInt64 = 0, netTx: UInt64 = 0, oomKills: UInt64 = 0,
                blockTimestamp: UInt64? = nil) {
        self.blockTimestamp = blockTimestamp
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

    /// Rates from `previous` to `current`; zero where a counter went backwards (a restart resets
    /// them). Block IO is read at its own pace: when `current` carries the same block reading as
    /// `previous`, the block rates of `previousRates` (the last ones taken) carry over.
    public static func between(_ previous: ContainerStats, _ current: ContainerStats,
                               previousRates: StatsRates? = nil) -> StatsRates {
        guard current.timestamp > previous.timestamp else {
            return StatsRates(cpuPercent: 0, netRxPerSecond: 0, netTxPerSecond: 0, blockReadPerSecond: 0, blockWritePerSecond: 0)
        }
        func rate(_ a: UInt64, _ b: UInt64, from: UInt64, to: UInt64) -> Double {
            b >= a && to > from ? Double(b - a) / (Double(to - from) / 1e9) : 0
        }
        let (t0, t1) = (previous.timestamp, current.timestamp)
        let cpu = current.cpuUsageNanos >= previous.cpuUsageNanos
            ? Double(current.cpuUsageNanos - previous.cpuUsageNanos) / Double(t1 - t0) * 100
            : 0
        let (b0, b1) = (previous.blockTimestamp ?? t0, current.blockTimestamp ?? t1)
        let sameBlockReading = b1 == b0
        return StatsRates(cpuPercent: cpu,
                          netRxPerSecond: rate(previous.netRx, current.netRx, from: t0, to: t1),
                          netTxPerSecond: rate(previous.netTx, current.netTx, from: t0, to: t1),
                          blockReadPerSecond: sameBlockReading ? previousRates?.blockReadPerSecond ?? 0
                              : rate(previous.blockRead, current.blockRead, from: b0, to: b1),
                          blockWritePerSecond: sameBlockReading ? previousRates?.blockWritePerSecond ?? 0
                              : rate(previous.blockWrite, current.blockWrite, from: b0, to: b1))
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
