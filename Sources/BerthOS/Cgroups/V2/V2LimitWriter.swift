/// Writes a container's limits into its v2 cgroup; returns the settings the host has no file for
/// (`DroppedLimit`).
enum V2LimitWriter {
    static func apply(_ values: CgroupLimitValues, dir: String) throws -> [DroppedLimit] {
        if let cpus = values.cpusetCpus {
            try KernelFile.write(cpus, to: dir + "/cpuset.cpus")
        }
        if let mems = values.cpusetMems {
            let parent = String(dir[..<(dir.lastIndex(of: "/") ?? dir.endIndex)])
            let offered = parent + "/cpuset.mems.effective"
            if KernelFile.exists(offered) {
                try CpusetMems.checkAvailable(mems, offered: try KernelFile.read(offered), source: offered)
            }
            try KernelFile.write(mems, to: dir + "/cpuset.mems")
        }
        if let memory = values.memory {
            try KernelFile.write(String(memory), to: dir + "/memory.max")
        }
        // Without swap accounting the kernel has no memory.swap.max; v1 skips memsw the same way.
        if let swap = values.swapOnly, KernelFile.exists(dir + "/memory.swap.max") {
            try KernelFile.write(swap, to: dir + "/memory.swap.max")
        }
        if let reservation = values.memoryReservation {
            try KernelFile.write(String(reservation), to: dir + "/memory.low")
        }
        if values.cpuQuotaMicros != nil || values.cpuPeriodMicros != nil {
            // One file for both: "max" is no quota; a period not given is Berth's (runc writes the same).
            let quota = values.cpuQuotaMicros.map { $0 == -1 ? "max" : String($0) } ?? "max"
            try KernelFile.write("\(quota) \(values.cpuPeriodMicros ?? CPUs.period)", to: dir + "/cpu.max")
        }
        if let shares = values.cpuShares {
            try KernelFile.write(String(CgroupLimitValues.cpuWeight(shares: shares)), to: dir + "/cpu.weight")
        }
        if let max = values.pidsMax {
            try KernelFile.write(String(max), to: dir + "/pids.max")
        }
        return try applyIO(values, dir: dir)
    }

    /// The weight: BFQ's `io.bfq.weight` (blkio's scale) when the scheduler is BFQ, else
    /// `io.weight` "default N" on its 1–10000 scale (mapped linearly from 10–1000, as runc does);
    /// neither (no BFQ, no io cost model): dropped. The throttles: one `io.max` line per device.
    static func applyIO(_ values: CgroupLimitValues, dir: String) throws -> [DroppedLimit] {
        var dropped: [DroppedLimit] = []
        if let weight = values.blkioWeight {
            if KernelFile.exists(dir + "/io.bfq.weight") {
                try KernelFile.write(String(weight), to: dir + "/io.bfq.weight")
            } else if KernelFile.exists(dir + "/io.weight") {
                try KernelFile.write("default \(ioWeight(blkioWeight: weight))", to: dir + "/io.weight")
            } else {
                dropped.append(DroppedLimit(flag: "--blkio-weight", reason: "the kernel has no io.weight or io.bfq.weight (no BFQ scheduler and no IO cost model)"))
            }
        }
        let lines = ioMaxLines(values)
        if !lines.isEmpty {
            if KernelFile.exists(dir + "/io.max") {
                // The kernel takes one device per write.
                for line in lines { try KernelFile.write(line, to: dir + "/io.max") }
            } else {
                dropped.append(DroppedLimit(flag: "--device-read-bps/--device-write-bps/--device-read-iops/--device-write-iops",
                                            reason: "the kernel has no io.max (built without block IO throttling)"))
            }
        }
        return dropped
    }

    /// v2's io.weight (1...10000) for docker's blkio weight (10...1000), linearly as runc maps it.
    static func ioWeight(blkioWeight w: Int) -> Int {
        let range = LimitRules.blkioWeight
        return 1 + ((w - range.lowerBound) * 9_999) / (range.upperBound - range.lowerBound)
    }

    /// "MAJ:MIN rbps=N wiops=M": one line per device, its throttles together in the order given;
    /// a rate of 0 lifts the throttle ("max"), as 0 does in v1's files.
    static func ioMaxLines(_ values: CgroupLimitValues) -> [String] {
        var order: [String] = []
        var keys: [String: [String]] = [:]
        for (key, rates) in [("rbps", values.deviceReadBps), ("wbps", values.deviceWriteBps),
                             ("riops", values.deviceReadIOps), ("wiops", values.deviceWriteIOps)] {
            for r in rates {
                let device = "\(r.major):\(r.minor)"
                if keys[device] == nil { order.append(device) }
                keys[device, default: []].append("\(key)=\(r.rate == 0 ? "max" : String(r.rate))")
            }
        }
        return order.map { ([$0] + keys[$0]!).joined(separator: " ") }
    }
}
