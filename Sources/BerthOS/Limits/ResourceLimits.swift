import BerthOCI

/// Resource limits in docker's terms (`-m`, `--cpus`, …); nil means unlimited / inherited.
///
/// This is what a user asks for (`ContainerRequest.limits`) and what `inspect` shows. The stored
/// copy is the container's OCI `config.json` (`linux.resources`): `OCI.Resources(limits)` writes it,
/// `ResourceLimits(resources)` reads it back. `LimitRules` says which values are allowed.
public struct ResourceLimits: Codable, Sendable, Equatable {
    /// Bytes.
    public var memory: Int64?
    /// Memory + swap in bytes; -1 means unlimited swap.
    public var memorySwap: Int64?
    /// Number of CPUs (CFS quota / period).
    public var cpus: Double?
    /// Relative weight, docker's scale (`LimitRules.cpuShares`, default 1024).
    public var cpuShares: Int?
    /// cpuset list such as "0-1" or "0,2".
    public var cpusetCpus: String?
    /// Maximum number of tasks; nil is unlimited (front ends turn docker's -1 and 0 into nil).
    public var pidsLimit: Int?

    public init(memory: Int64? = nil, memorySwap: Int64? = nil, cpus: Double? = nil, cpuShares: Int? = nil,
                cpusetCpus: String? = nil, pidsLimit: Int? = nil) {
        self.memory = memory; self.memorySwap = memorySwap; self.cpus = cpus
        self.cpuShares = cpuShares; self.cpusetCpus = cpusetCpus; self.pidsLimit = pidsLimit
    }

    public var isEmpty: Bool { self == ResourceLimits() }

    /// The limits a runtime-spec `linux.resources` sets, in docker's terms: `--cpus` is the quota
    /// over the period, and a pids limit of zero or less is unlimited, as the runtime-spec says.
    /// A period of 0 reads as an infinite number of CPUs, which `LimitRules` refuses.
    public init(_ resources: OCI.Resources?) {
        self.init()
        guard let resources else { return }
        memory = resources.memory?.limit
        memorySwap = resources.memory?.swap
        if let cpu = resources.cpu {
            // -1 is the kernel's "no quota"; any other value (0 too) is a number of CPUs for LimitRules to judge.
            if let quota = cpu.quota, quota != -1 {
                cpus = Double(quota) / Double(cpu.period ?? CPUs.period)
            }
            cpuShares = cpu.shares.map { Int(clamping: $0) } // an edited config.json may hold any UInt64: LimitRules refuses it, no trap
            cpusetCpus = cpu.cpus
        }
        pidsLimit = resources.pids.flatMap { $0.limit > 0 ? Int($0.limit) : nil }
    }
}

extension OCI.Resources {
    /// The `linux.resources` a container created with `limits` runs with (`CPUs.period` as the CFS period).
    public init(_ limits: ResourceLimits) {
        self.init()
        if limits.memory != nil || limits.memorySwap != nil {
            memory = OCI.MemoryResources(limit: limits.memory, swap: limits.memorySwap)
        }
        if limits.cpus != nil || limits.cpuShares != nil || limits.cpusetCpus != nil {
            let quota = limits.cpus.map(CPUs.quotaMicros(for:))
            cpu = OCI.CPUResources(shares: limits.cpuShares.map { UInt64($0) }, quota: quota,
                                   period: quota == nil ? nil : CPUs.period, cpus: limits.cpusetCpus)
        }
        if let p = limits.pidsLimit { pids = OCI.PidsResources(limit: Int64(p)) }
    }
}
