/// Writes a container's limits into its v2 cgroup.
enum V2LimitWriter {
    static func apply(_ values: CgroupLimitValues, dir: String) throws {
        if let cpus = values.cpusetCpus {
            try KernelFile.write(cpus, to: dir + "/cpuset.cpus")
        }
        if let memory = values.memory {
            try KernelFile.write(String(memory), to: dir + "/memory.max")
        }
        // Without swap accounting the kernel has no memory.swap.max; v1 skips memsw the same way.
        if let swap = values.swapOnly, KernelFile.exists(dir + "/memory.swap.max") {
            try KernelFile.write(swap, to: dir + "/memory.swap.max")
        }
        if let quota = values.cpuQuotaMicros {
            try KernelFile.write("\(quota) \(values.cpuPeriodMicros)", to: dir + "/cpu.max")
        }
        if let shares = values.cpuShares {
            try KernelFile.write(String(CgroupLimitValues.cpuWeight(shares: shares)), to: dir + "/cpu.weight")
        }
        if let max = values.pidsMax {
            try KernelFile.write(String(max), to: dir + "/pids.max")
        }
    }
}
