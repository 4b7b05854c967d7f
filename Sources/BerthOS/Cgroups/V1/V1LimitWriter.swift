/// Writes a container's limits into its v1 cgroups. `leaves` maps each controller to the container's
/// directory in that controller's hierarchy (co-mounted controllers share one). Returns the
/// settings the host has no file for (`DroppedLimit`).
enum V1LimitWriter {
    static func apply(_ values: CgroupLimitValues, leaves: [String: String]) throws -> [DroppedLimit] {
        if let dir = leaves["memory"] { try applyMemory(values, dir: dir) }
        if let dir = leaves["cpu"] { try applyCPU(values, dir: dir) }
        if let dir = leaves["pids"], let max = values.pidsMax {
            try KernelFile.write(String(max), to: dir + "/pids.max")
        }
        guard values.hasBlockIO else { return [] }
        guard let dir = leaves["blkio"] else {
            return [DroppedLimit(flag: "--blkio-weight/--device-*", reason: "the blkio cgroup controller is not mounted")]
        }
        return try applyBlockIO(values, dir: dir)
    }

    /// memory.memsw.limit_in_bytes may never be below memory.limit_in_bytes, so when the limit goes up
    /// memsw is raised first, and when it goes down the limit is lowered first (else EINVAL).
    static func applyMemory(_ values: CgroupLimitValues, dir: String) throws {
        if let reservation = values.memoryReservation {
            try KernelFile.write(String(reservation), to: dir + "/memory.soft_limit_in_bytes")
        }
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

    /// The period before the quota: the quota is judged against the period in force.
    static func applyCPU(_ values: CgroupLimitValues, dir: String) throws {
        if let period = values.cpuPeriodMicros ?? (values.cpuQuotaMicros != nil ? CPUs.period : nil) {
            try KernelFile.write(String(period), to: dir + "/cpu.cfs_period_us")
        }
        if let quota = values.cpuQuotaMicros {
            try KernelFile.write(String(quota), to: dir + "/cpu.cfs_quota_us")
        }
        if let shares = values.cpuShares {
            try KernelFile.write(String(shares), to: dir + "/cpu.shares")
        }
    }

    /// The weight goes to `blkio.weight` (CFQ) or, without it, `blkio.bfq.weight` (BFQ), as runc
    /// does; with neither (mq-deadline, none) it is dropped. The throttles are one "MAJ:MIN RATE"
    /// line per device in `blkio.throttle.*_device`.
    static func applyBlockIO(_ values: CgroupLimitValues, dir: String) throws -> [DroppedLimit] {
        var dropped: [DroppedLimit] = []
        if let weight = values.blkioWeight {
            if let file = ["blkio.weight", "blkio.bfq.weight"].map({ dir + "/" + $0 }).first(where: KernelFile.exists) {
                try KernelFile.write(String(weight), to: file)
            } else {
                dropped.append(DroppedLimit(flag: "--blkio-weight", reason: "the kernel has no blkio.weight or blkio.bfq.weight (the host's IO scheduler, e.g. mq-deadline, has no weights)"))
            }
        }
        let throttles: [(String, String, [BlockDeviceRate])] = [
            ("--device-read-bps", "read_bps_device", values.deviceReadBps),
            ("--device-write-bps", "write_bps_device", values.deviceWriteBps),
            ("--device-read-iops", "read_iops_device", values.deviceReadIOps),
            ("--device-write-iops", "write_iops_device", values.deviceWriteIOps),
        ]
        for (flag, name, rates) in throttles where !rates.isEmpty {
            let file = dir + "/blkio.throttle." + name
            guard KernelFile.exists(file) else {
                dropped.append(DroppedLimit(flag: flag, reason: "the kernel has no blkio.throttle.\(name) (built without block IO throttling)"))
                continue
            }
            // The kernel takes one device per write.
            for r in rates { try KernelFile.write("\(r.major):\(r.minor) \(r.rate)", to: file) }
        }
        return dropped
    }
}
