/// The numbers written to cgroup files for a `ResourceLimits`, checked before any file is touched
/// so that a bad flag fails with a message about the flag rather than an EINVAL from the kernel.
struct CgroupLimitValues: Sendable, Equatable {
    static let cfsPeriodMicros: Int64 = 100_000
    /// The kernel rejects a CFS quota below 1 ms.
    static let minimumQuotaMicros: Int64 = 1_000

    var memory: Int64?
    /// Memory + swap; -1 = unlimited swap.
    var memorySwap: Int64?
    var cpuQuotaMicros: Int64?
    var cpuShares: Int?
    var pidsMax: Int?
    var cpusetCpus: String?

    init(_ limits: ResourceLimits) throws {
        if let m = limits.memory {
            // The kernel's own floor is a few pages; docker refuses below 6 MiB for the same reason.
            guard m >= 6 * 1024 * 1024 else {
                throw BerthError.invalidArgument("--memory \(m) is too small: the minimum is 6MiB")
            }
        }
        if let s = limits.memorySwap {
            guard let m = limits.memory else {
                throw BerthError.invalidArgument("--memory-swap needs --memory: it limits memory plus swap")
            }
            guard s == -1 || s >= m else {
                throw BerthError.invalidArgument("--memory-swap (\(s)) must be at least --memory (\(m)), or -1 for unlimited swap")
            }
        }
        if let cpus = limits.cpus {
            guard cpus > 0, cpus.isFinite else {
                throw BerthError.invalidArgument("--cpus must be a positive number, not \(cpus)")
            }
            let quota = Int64((cpus * Double(Self.cfsPeriodMicros)).rounded())
            guard quota >= Self.minimumQuotaMicros else {
                throw BerthError.invalidArgument("--cpus \(cpus) is too small: it gives a CFS quota of \(quota) µs per \(Self.cfsPeriodMicros) µs and the kernel's minimum is \(Self.minimumQuotaMicros) µs (--cpus 0.01)")
            }
            cpuQuotaMicros = quota
        }
        if let shares = limits.cpuShares {
            guard (2...262_144).contains(shares) else {
                throw BerthError.invalidArgument("--cpu-shares must be between 2 and 262144, not \(shares)")
            }
        }
        if let cpus = limits.cpusetCpus {
            guard !cpus.isEmpty, cpus.allSatisfy({ $0.isNumber || $0 == "," || $0 == "-" }) else {
                throw BerthError.invalidArgument("--cpuset-cpus must be a list such as 0-1 or 0,2, not \(cpus.quoted)")
            }
        }
        memory = limits.memory
        memorySwap = limits.memorySwap
        cpuShares = limits.cpuShares
        // docker: 0 and negative mean unlimited.
        pidsMax = limits.pidsLimit.flatMap { $0 > 0 ? $0 : nil }
        cpusetCpus = limits.cpusetCpus
    }

    /// v2's cpu.weight (1...10000) for docker's shares (2...262144), mapped linearly as runc does.
    static func cpuWeight(shares: Int) -> Int {
        1 + ((shares - 2) * 9_999) / 262_142
    }

    /// v2's memory.swap.max is swap alone, not memory + swap.
    var swapOnly: String? {
        guard let s = memorySwap else { return nil }
        if s == -1 { return "max" }
        return String(s - (memory ?? 0))
    }
}
