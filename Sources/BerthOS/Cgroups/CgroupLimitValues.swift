import BerthOCI

/// The numbers written to cgroup files for a container's `linux.resources` (its config.json), checked
/// by `LimitRules` before any file is touched, so that a bad value fails with the rule's message
/// rather than an EINVAL from the kernel.
struct CgroupLimitValues: Sendable, Equatable {
    var memory: Int64?
    /// Memory + swap; -1 = unlimited swap.
    var memorySwap: Int64?
    var cpuQuotaMicros: Int64?
    /// config.json's period, else `CPUs.period`.
    var cpuPeriodMicros: UInt64 = CPUs.period
    var cpuShares: Int?
    var pidsMax: Int?
    var cpusetCpus: String?

    init(_ resources: OCI.Resources?) throws {
        // The same rules as at create: config.json may have been edited since.
        do { try LimitRules.check(ResourceLimits(resources)) } catch { throw error.berthError }
        memory = resources?.memory?.limit
        memorySwap = resources?.memory?.swap
        if let cpu = resources?.cpu {
            if let quota = cpu.quota, quota > 0 { cpuQuotaMicros = quota }
            if let period = cpu.period { cpuPeriodMicros = period }
            cpuShares = cpu.shares.map { Int(clamping: $0) } // an edited config.json may hold any UInt64: LimitRules refuses it, no trap
            cpusetCpus = cpu.cpus
        }
        // The runtime-spec: zero and negative mean unlimited.
        pidsMax = resources?.pids.flatMap { $0.limit > 0 ? Int($0.limit) : nil }
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
}
