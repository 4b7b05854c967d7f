/// Writes a container's limits into its v1 cgroups. `leaves` maps each controller to the container's
/// directory in that controller's hierarchy (co-mounted controllers share one).
enum V1LimitWriter {
    static func apply(_ values: CgroupLimitValues, leaves: [String: String]) throws {
        if let dir = leaves["memory"] { try applyMemory(values, dir: dir) }
        if let dir = leaves["cpu"] { try applyCPU(values, dir: dir) }
        if let dir = leaves["pids"], let max = values.pidsMax {
            try KernelFile.write(String(max), to: dir + "/pids.max")
        }
    }

    /// memory.memsw.limit_in_bytes may never be below memory.limit_in_bytes, so when the limit goes up
    /// memsw is raised first, and when it goes down the limit is lowered first (else EINVAL).
    static func applyMemory(_ values: CgroupLimitValues, dir: String) throws {
        guard let memory = values.memory else { return }
        let limitFile = dir + "/memory.limit_in_bytes"
        let memswFile = dir + "/memory.memsw.limit_in_bytes"
        guard let swap = values.memorySwap, KernelFile.exists(memswFile) else {
            try KernelFile.write(String(memory), to: limitFile)
            return
        }
        let current = CgroupValue.parseCounter(try KernelFile.read(limitFile)) ?? UInt64.max
        if UInt64(memory) > current {
            try KernelFile.write(String(swap), to: memswFile)
            try KernelFile.write(String(memory), to: limitFile)
        } else {
            try KernelFile.write(String(memory), to: limitFile)
            try KernelFile.write(String(swap), to: memswFile)
        }
    }

    static func applyCPU(_ values: CgroupLimitValues, dir: String) throws {
        if let quota = values.cpuQuotaMicros {
            try KernelFile.write(String(values.cpuPeriodMicros), to: dir + "/cpu.cfs_period_us")
            try KernelFile.write(String(quota), to: dir + "/cpu.cfs_quota_us")
        }
        if let shares = values.cpuShares {
            try KernelFile.write(String(shares), to: dir + "/cpu.shares")
        }
    }
}
