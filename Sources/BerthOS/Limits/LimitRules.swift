/// The one validator of `ResourceLimits`. `Engine.create` calls it for every front end (CLI,
/// compose, dashboard, library), `createService` before anything is stored, and starting a
/// container checks `config.json`'s limits with it again; each rule has one message, which a
/// front end may prefix with where the value came from (compose names the key path).
public enum LimitRules {
    /// docker's floor: the kernel accepts a few pages, but a container below this dies at start.
    public static let minimumMemory: Int64 = 6 * 1024 * 1024
    /// docker's range for `--cpu-shares` (cgroup v1 `cpu.shares`; v2's weight is mapped from it).
    public static let cpuShares: ClosedRange<Int> = 2...262_144
    /// docker's range for `--cpu-period` in microseconds (the kernel's: 1 ms to 1 s).
    public static let cpuPeriod: ClosedRange<Int64> = 1_000...1_000_000
    /// The smallest `--cpu-quota` the kernel takes (1 ms); -1 is "no quota".
    public static let minimumCPUQuota: Int64 = 1_000
    /// The largest `--cpu-quota` Berth passes on: `CPUs.maximum` CPUs at the longest period. The
    /// kernel's own bound is far above; this keeps an absurd value a clear error, not an EINVAL.
    public static let maximumCPUQuota = Int64(CPUs.maximum) * cpuPeriod.upperBound
    /// docker's range for `--blkio-weight` (cgroup v1 `blkio.weight`, v2 `io.weight`).
    public static let blkioWeight: ClosedRange<Int> = 10...1_000

    /// Which limit a rule is about, so a front end can name its own key for it.
    public enum Field: String, Sendable, CaseIterable {
        case memory, memorySwap, memoryReservation, cpus, cpuPeriod, cpuQuota, cpuShares, cpusetCpus, cpusetMems,
             pidsLimit, blkioWeight, blkioDeviceRate
    }

    /// A broken rule: the limit and the rule's one message.
    public struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
        public var field: Field
        public var message: String
        public var description: String { message }
        /// How the engine reports it: bad input (exit status 125).
        public var berthError: BerthError { .invalidArgument(message) }
    }

    /// Checks every rule; throws the first one broken.
    public static func check(_ l: ResourceLimits) throws(Violation) {
        if let m = l.memory, m < minimumMemory {
            throw Violation(field: .memory, message: "the memory limit (\(ByteSize.format(m))) is below the minimum of \(minimumMemory >> 20)MiB")
        }
        if let s = l.memorySwap {
            guard let m = l.memory else {
                throw Violation(field: .memorySwap, message: "a memory+swap limit needs a memory limit too: it limits memory plus swap")
            }
            guard s == -1 || s >= m else {
                throw Violation(field: .memorySwap, message: "the memory+swap limit (\(ByteSize.format(s))) must be at least the memory limit (\(ByteSize.format(m))), or -1 for unlimited swap")
            }
        }
        if let r = l.memoryReservation {
            guard r >= minimumMemory else {
                throw Violation(field: .memoryReservation, message: "the memory reservation (\(ByteSize.format(r))) is below the minimum of \(minimumMemory >> 20)MiB")
            }
            if let m = l.memory, m < r {
                throw Violation(field: .memoryReservation, message: "Minimum memory limit should be larger than memory reservation limit: the memory limit (\(ByteSize.format(m))) is below the reservation (\(ByteSize.format(r)))")
            }
        }
        if let c = l.cpus { try checkCPUs(c) }
        if l.cpus != nil && (l.cpuPeriod != nil || l.cpuQuota != nil) {
            throw Violation(field: .cpus, message: "Conflicting options: Nano CPUs and CPU Period/Quota cannot both be set: give --cpus, or --cpu-period and --cpu-quota")
        }
        if let p = l.cpuPeriod, !cpuPeriod.contains(p) {
            throw Violation(field: .cpuPeriod, message: "the CPU period (\(p)) must be between \(cpuPeriod.lowerBound) and \(cpuPeriod.upperBound) microseconds (1ms to 1s)")
        }
        if let q = l.cpuQuota, q != -1 && !(minimumCPUQuota...maximumCPUQuota).contains(q) {
            throw Violation(field: .cpuQuota, message: "the CPU quota (\(q)) must be between \(minimumCPUQuota) and \(maximumCPUQuota) microseconds, or -1 for no quota")
        }
        if let shares = l.cpuShares, !cpuShares.contains(shares) {
            throw Violation(field: .cpuShares, message: "the CPU shares (\(shares)) must be between \(cpuShares.lowerBound) and \(cpuShares.upperBound)")
        }
        if let set = l.cpusetCpus, !isCPUList(set) {
            throw Violation(field: .cpusetCpus, message: "the cpuset \(set.quoted) is not a CPU list such as 0-1 or 0,2")
        }
        if let set = l.cpusetMems, !isCPUList(set) {
            throw Violation(field: .cpusetMems, message: "the cpuset memory nodes \(set.quoted) are not a list such as 0-1 or 0,2")
        }
        if let p = l.pidsLimit, p < 1 {
            throw Violation(field: .pidsLimit, message: "the pids limit (\(p)) must be at least 1; leave it out for no limit")
        }
        if let w = l.blkioWeight, !blkioWeight.contains(w) {
            throw Violation(field: .blkioWeight, message: "the block IO weight (\(w)) must be between \(blkioWeight.lowerBound) and \(blkioWeight.upperBound)")
        }
        for (name, rates) in l.deviceRates {
            for r in rates {
                guard (0...DeviceRule.maxMajor).contains(r.major), (0...DeviceRule.maxMinor).contains(r.minor) else {
                    throw Violation(field: .blkioDeviceRate, message: "the \(name) device \(r.major):\(r.minor) is not a device number Linux has")
                }
                guard r.rate >= 0 else {
                    throw Violation(field: .blkioDeviceRate, message: "the \(name) rate of device \(r.major):\(r.minor) (\(r.rate)) must not be negative")
                }
            }
        }
    }

    /// The `--cpus` rule alone, for `CPUs.quota(for:)`: the CFS quota it gives must be one the kernel takes.
    public static func checkCPUs(_ cpus: Double) throws(Violation) {
        guard cpus.isFinite, cpus >= CPUs.minimum, cpus <= CPUs.maximum else {
            throw Violation(field: .cpus, message: "the number of CPUs (\(cpus)) must be between \(CPUs.minimum) and \(Int(CPUs.maximum))")
        }
    }

    /// "0", "0-3", "0,2-3": comma-separated CPU numbers and ascending ranges.
    static func isCPUList(_ text: String) -> Bool {
        guard !text.isEmpty else { return false }
        return text.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { item in
            let ends = item.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(ends.count),
                  ends.allSatisfy({ !$0.isEmpty && $0.count <= 5 && $0.allSatisfy(\.isASCIIDigit) }) else { return false }
            return ends.count == 1 || Int(ends[0])! <= Int(ends[1])!
        }
    }
}
