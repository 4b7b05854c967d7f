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
    /// A soft limit in bytes (`--memory-reservation`): what the kernel reclaims the container down
    /// to under memory pressure (v1 `memory.soft_limit_in_bytes`, v2 `memory.low`).
    public var memoryReservation: Int64?
    /// Number of CPUs (CFS quota / period).
    public var cpus: Double?
    /// docker's `--cpu-period`: the CFS period in microseconds (the alternative to `cpus`).
    public var cpuPeriod: Int64?
    /// docker's `--cpu-quota`: CPU time per period in microseconds; -1 is no quota.
    public var cpuQuota: Int64?
    /// Relative weight, docker's scale (`LimitRules.cpuShares`, default 1024).
    public var cpuShares: Int?
    /// cpuset list such as "0-1" or "0,2".
    public var cpusetCpus: String?
    /// The memory nodes the container may allocate from, a list as `cpusetCpus`.
    public var cpusetMems: String?
    /// Maximum number of tasks; nil is unlimited (front ends turn docker's -1 and 0 into nil).
    public var pidsLimit: Int?
    /// Relative block IO weight, `LimitRules.blkioWeight` (10–1000).
    public var blkioWeight: Int?
    /// docker's `--device-read-bps`, `--device-write-bps`, `--device-read-iops`, `--device-write-iops`.
    public var blkioDeviceReadBps: [BlockDeviceRate]?
    public var blkioDeviceWriteBps: [BlockDeviceRate]?
    public var blkioDeviceReadIOps: [BlockDeviceRate]?
    public var blkioDeviceWriteIOps: [BlockDeviceRate]?

    public init(memory: Int64? = nil, memorySwap: Int64? = nil, cpus: Double? = nil, cpuShares: Int? = nil,
                cpusetCpus: String? = nil, pidsLimit: Int? = nil) {
        self.memory = memory; self.memorySwap = memorySwap; self.cpus = cpus
        self.cpuShares = cpuShares; self.cpusetCpus = cpusetCpus; self.pidsLimit = pidsLimit
    }

    public var isEmpty: Bool { self == ResourceLimits() }

    /// The CPUs a container may use, whichever form set the quota (`--cpus`, or `--cpu-quota` over
    /// `--cpu-period` or the kernel's default period): what the dashboard and autoscaling measure
    /// against. nil without a quota.
    public var cpuLimit: Double? {
        if let cpus { return cpus }
        guard let q = cpuQuota, q > 0 else { return nil }
        return Double(q) / Double(cpuPeriod ?? Int64(CPUs.period))
    }

    /// The limits a runtime-spec `linux.resources` sets, in docker's terms: a quota over Berth's
    /// period (`CPUs.period`) reads as `--cpus`, any other quota or period as `--cpu-quota` and
    /// `--cpu-period` (so `--cpu-period 100000 --cpu-quota 50000` reads back as `--cpus 0.5`, which
    /// the kernel cannot tell apart); a pids limit of zero or less is unlimited, as the runtime-spec says.
    /// A period of 0 with a quota reads as an infinite number of CPUs, which `LimitRules` refuses.
    public init(_ resources: OCI.Resources?) {
        self.init()
        guard let resources else { return }
        memory = resources.memory?.limit
        memorySwap = resources.memory?.swap
        memoryReservation = resources.memory?.reservation
        if let cpu = resources.cpu {
            // -1 is the kernel's "no quota"; any other value (0 too) is a number of CPUs for LimitRules to judge.
            if let quota = cpu.quota, quota != -1, cpu.period == CPUs.period || cpu.period == 0 {
                cpus = Double(quota) / Double(cpu.period ?? CPUs.period)
            } else {
                cpuQuota = cpu.quota
                // runc's 0 is "not set" (what some callers send with no quota).
                cpuPeriod = cpu.period.flatMap { $0 == 0 ? nil : Int64(clamping: $0) }
            }
            cpuShares = cpu.shares.map { Int(clamping: $0) } // an edited config.json may hold any UInt64: LimitRules refuses it, no trap
            cpusetCpus = cpu.cpus
            cpusetMems = cpu.mems
        }
        pidsLimit = resources.pids.flatMap { $0.limit > 0 ? Int($0.limit) : nil }
        if let io = resources.blockIO {
            blkioWeight = io.weight.flatMap { $0 == 0 ? nil : Int(clamping: $0) } // runc: 0 is "not set"
            blkioDeviceReadBps = io.throttleReadBpsDevice.map { $0.map(BlockDeviceRate.init) }
            blkioDeviceWriteBps = io.throttleWriteBpsDevice.map { $0.map(BlockDeviceRate.init) }
            blkioDeviceReadIOps = io.throttleReadIOPSDevice.map { $0.map(BlockDeviceRate.init) }
            blkioDeviceWriteIOps = io.throttleWriteIOPSDevice.map { $0.map(BlockDeviceRate.init) }
        }
    }

    /// The four device throttles by their runtime-spec names, for the rules and the writers.
    public var deviceRates: [(name: String, rates: [BlockDeviceRate])] {
        [("device-read-bps", blkioDeviceReadBps ?? []), ("device-write-bps", blkioDeviceWriteBps ?? []),
         ("device-read-iops", blkioDeviceReadIOps ?? []), ("device-write-iops", blkioDeviceWriteIOps ?? [])]
    }
}

extension OCI.Resources {
    /// The `linux.resources` a container created with `limits` runs with (`CPUs.period` as the CFS period).
    public init(_ limits: ResourceLimits) {
        self.init()
        if limits.memory != nil || limits.memorySwap != nil || limits.memoryReservation != nil {
            memory = OCI.MemoryResources(limit: limits.memory, reservation: limits.memoryReservation, swap: limits.memorySwap)
        }
        if limits.cpus != nil || limits.cpuQuota != nil || limits.cpuPeriod != nil || limits.cpuShares != nil
            || limits.cpusetCpus != nil || limits.cpusetMems != nil {
            // `--cpus` and `--cpu-quota`/`--cpu-period` exclude each other (LimitRules).
            let quota = limits.cpus.map(CPUs.quotaMicros(for:)) ?? limits.cpuQuota
            let period = limits.cpus != nil ? CPUs.period : limits.cpuPeriod.map { UInt64(clamping: $0) }
            cpu = OCI.CPUResources(shares: limits.cpuShares.map { UInt64(clamping: $0) }, quota: quota,
                                   period: period, cpus: limits.cpusetCpus, mems: limits.cpusetMems)
        }
        if let p = limits.pidsLimit { pids = OCI.PidsResources(limit: Int64(p)) }
        let throttles = [limits.blkioDeviceReadBps, limits.blkioDeviceWriteBps, limits.blkioDeviceReadIOps, limits.blkioDeviceWriteIOps]
        if limits.blkioWeight != nil || throttles.contains(where: { $0 != nil }) {
            func devices(_ rates: [BlockDeviceRate]?) -> [OCI.ThrottleDevice]? { rates?.map(\.throttleDevice) }
            blockIO = OCI.BlockIO(weight: limits.blkioWeight.map { Int64($0) },
                                  throttleReadBpsDevice: devices(limits.blkioDeviceReadBps),
                                  throttleWriteBpsDevice: devices(limits.blkioDeviceWriteBps),
                                  throttleReadIOPSDevice: devices(limits.blkioDeviceReadIOps),
                                  throttleWriteIOPSDevice: devices(limits.blkioDeviceWriteIOps))
        }
    }
}
