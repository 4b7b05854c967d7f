import Glibc

/// One container's stat files. The counters every sample reads (CPU usage, memory usage, pids,
/// the network bytes) stay open between samples, so each costs a pread instead of
/// open+read+close; the files read only every Nth sample (memory.stat, the limits, the OOM
/// counter, block IO, v1's cpu.stat) are kept as paths and opened when due, so a container holds
/// at most four descriptors (issue 15: 500 containers must not need 5,500 files).
/// A descriptor of -1 means the file is not there (controller not mounted or not delegated).
struct StatFileSet {
    var version: CgroupVersion
    /// v1 cpuacct.usage, or v2 cpu.stat (whose first line is the usage).
    var cpuUsage: Int32 = -1
    var memoryUsage: Int32 = -1
    var pidsCurrent: Int32 = -1
    /// /proc/<pid>/net/dev of the container's init; the open file stays bound to that network namespace.
    var netDev: Int32 = -1
    var netPid: Int32 = 0
    /// The files read at the slow pace, by path.
    var slowFiles: SlowFiles

    /// Samples taken so far, to read the slow files only every Nth time.
    var samples = 0
    /// The last values read from the slow files.
    var slow = SlowValues()
    /// The sampler's pass that last listed this container; readers left behind are closed.
    var generation = 0

    struct SlowFiles {
        /// v1 only: throttling (v2's cpu.stat is the hot usage file and carries it).
        var cpuStat: String?
        var memoryLimit: String?
        var memoryStat: String?
        var pidsMax: String?
        var oomCounter: String?
        /// In order of preference; the first that opens is used.
        var blockIO: [String]
        /// v2's directory of `*.pressure` files; nil on v1.
        var pressureDirectory: String?
    }

    struct SlowValues {
        var memoryStat = MemoryStat()
        var memoryLimit: UInt64?
        var pidsLimit: UInt64?
        var throttledNanos: UInt64?
        var throttledPeriods: UInt64?
        var oomKills: UInt64 = 0
        var pressure: PressureSet?
        var blockRead: UInt64 = 0
        var blockWrite: UInt64 = 0
        /// When the block counters were read (CLOCK_MONOTONIC ns), for rates over their own interval.
        var blockTimestamp: UInt64?
    }

    /// Opens the hot files; nil when none of them opens (the container's cgroup is gone).
    static func open(_ files: CgroupStatsFiles, pid: Int32) -> StatFileSet? {
        let isV1 = files.version == .v1
        var set = StatFileSet(version: files.version, slowFiles: SlowFiles(
            cpuStat: isV1 ? files.cpuStat : nil, memoryLimit: files.memoryLimit, memoryStat: files.memoryStat,
            pidsMax: files.pidsMax, oomCounter: files.oomCounter, blockIO: files.blockIO,
            pressureDirectory: files.pressureDirectory))
        set.cpuUsage = openFile(isV1 ? files.cpuUsage : files.cpuStat)
        set.memoryUsage = openFile(files.memoryUsage)
        set.pidsCurrent = openFile(files.pidsCurrent)
        guard set.cgroupDescriptors.contains(where: { $0 >= 0 }) else { return nil }
        set.openNetDev(pid: pid)
        return set
    }

    mutating func openNetDev(pid: Int32) {
        if netDev >= 0 { Glibc.close(netDev) }
        netPid = pid
        netDev = pid > 0 ? StatFileSet.openFile("/proc/\(pid)/net/dev") : -1
    }

    var cgroupDescriptors: [Int32] { [cpuUsage, memoryUsage, pidsCurrent] }

    /// How many descriptors the set holds (the benchmark's and the tests' figure).
    var openDescriptorCount: Int { (cgroupDescriptors + [netDev]).filter { $0 >= 0 }.count }

    func closeAll() {
        for fd in cgroupDescriptors + [netDev] where fd >= 0 { Glibc.close(fd) }
    }

    static func openFile(_ path: String?) -> Int32 {
        guard let path else { return -1 }
        return Glibc.open(path, O_RDONLY | O_CLOEXEC)
    }
}
