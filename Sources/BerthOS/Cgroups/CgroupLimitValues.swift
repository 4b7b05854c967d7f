import BerthOCI

/// The numbers written to cgroup files for a container's `linux.resources` (its config.json), checked
/// by `LimitRules` before any file is touched, so that a bad value fails with the rule's message
/// rather than an EINVAL from the kernel.
struct CgroupLimitValues: Sendable, Equatable {
    var memory: Int64?
    /// Memory + swap; -1 = unlimited swap.
    var memorySwap: Int64?
    /// The soft limit: v1 `memory.soft_limit_in_bytes`, v2 `memory.low`.
    var memoryReservation: Int64?
    /// -1 = no quota.
    var cpuQuotaMicros: Int64?
    /// config.json's period; nil: `CPUs.period` when a quota is written, else the kernel's as it is.
    var cpuPeriodMicros: UInt64?
    var cpuShares: Int?
    var pidsMax: Int?
    var cpusetCpus: String?
    var cpusetMems: String?
    var blkioWeight: Int?
    var deviceReadBps: [BlockDeviceRate] = []
    var deviceWriteBps: [BlockDeviceRate] = []
    var deviceReadIOps: [BlockDeviceRate] = []
    var deviceWriteIOps: [BlockDeviceRate] = []

    init(_ resources: OCI.Resources?) throws {
        // The same rules as at create: config.json may have been edited since.
        let limits = ResourceLimits(resources)
        do { try LimitRules.check(limits) } catch { throw error.berthError }
        memory = resources?.memory?.limit
        memorySwap = resources?.memory?.swap
        memoryReservation = limits.memoryReservation
        if let cpu = resources?.cpu {
            if let quota = cpu.quota, quota > 0 || quota == -1 { cpuQuotaMicros = quota }
            if let period = cpu.period, period > 0 { cpuPeriodMicros = period }
            cpuShares = cpu.shares.map { Int(clamping: $0) } // an edited config.json may hold any UInt64: LimitRules refuses it, no trap
            cpusetCpus = cpu.cpus
            cpusetMems = cpu.mems
        }
        // The runtime-spec: zero and negative mean unlimited.
        pidsMax = resources?.pids.flatMap { $0.limit > 0 ? Int($0.limit) : nil }
        blkioWeight = limits.blkioWeight
        deviceReadBps = limits.blkioDeviceReadBps ?? []
        deviceWriteBps = limits.blkioDeviceWriteBps ?? []
        deviceReadIOps = limits.blkioDeviceReadIOps ?? []
        deviceWriteIOps = limits.blkioDeviceWriteIOps ?? []
    }

    /// As `init(OCI.Resources(limits))`, for callers holding docker-style limits.
    init(_ limits: ResourceLimits) throws { try self.init(OCI.Resources(limits)) }

    /// v2's cpu.weight (1...10000) for docker's shares (2...262144), mapped linearly as runc does.
    static func cpuWeight(shares: Int) -> Int {
        let range = LimitRules.cpuShares
        return 1 + ((shares - range.lowerBound) * 9_999) / (range.upperBound - range.lowerBound)
    }

    /// v2's memory.swap.max is swap alone, not memory + swap.
    var swapOnly: String? {
        guard let s = memorySwap else { return nil }
        if s == -1 { return "max" }
        return String(s - (memory ?? 0))
    }

    /// A cpuset cgroup is needed (v1: the cpuset hierarchy joined; v2: the controller enabled).
    var needsCpuset: Bool { cpusetCpus != nil || cpusetMems != nil }

    /// Whether any block IO setting is asked for (v2: the io controller is required).
    var hasBlockIO: Bool {
        blkioWeight != nil || !(deviceReadBps.isEmpty && deviceWriteBps.isEmpty && deviceReadIOps.isEmpty && deviceWriteIOps.isEmpty)
    }
}

/// A limit the kernel has no file for on this host (no blkio weight under the mq-deadline
/// scheduler, no throttling without CONFIG_BLK_DEV_THROTTLING): dropped with a notice, as docker
/// drops it with a warning, rather than failing the start or passing in silence.
public struct DroppedLimit: Sendable, Codable, Equatable, CustomStringConvertible {
    /// docker's flag name, e.g. "--blkio-weight".
    public var flag: String
    /// Why: the file that is missing.
    public var reason: String
    public var description: String { "\(flag) not applied: \(reason)" }
}
