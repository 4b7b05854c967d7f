import Glibc

/// One container's stat files, held open so each sample costs a pread per file instead of open+read+close.
/// A file descriptor of -1 means the file is not there (controller not mounted or not delegated).
struct StatFileSet {
    var version: CgroupVersion
    var cpuUsage: Int32 = -1
    var cpuStat: Int32 = -1
    var memoryUsage: Int32 = -1
    var memoryLimit: Int32 = -1
    var memoryStat: Int32 = -1
    var pidsCurrent: Int32 = -1
    var pidsMax: Int32 = -1
    var blockIO: Int32 = -1
    var oomCounter: Int32 = -1
    /// Read by path (no descriptor kept) with the slow files; nil on v1.
    var pressureDirectory: String?
    /// /proc/<pid>/net/dev of the container's init; the open file stays bound to that network namespace.
    var netDev: Int32 = -1
    var netPid: Int32 = 0

    /// Samples taken so far, to read the slow files only every Nth time.
    var samples = 0
    /// The last values read from the slow files.
    var slow = SlowValues()
    /// The sampler's pass that last listed this container; readers left behind are closed.
    var generation = 0

    struct SlowValues {
        var memoryStat = MemoryStat()
        var memoryLimit: UInt64?
        var pidsLimit: UInt64?
        var throttledNanos: UInt64?
        var throttledPeriods: UInt64?
        var oomKills: UInt64 = 0
        var pressure: PressureSet?
    }

    /// Opens what exists; nil when none of the cgroup files opens (the container's cgroup is gone).
    static func open(_ files: CgroupStatsFiles, pid: Int32) -> StatFileSet? {
        var set = StatFileSet(version: files.version)
        set.cpuUsage = openFile(files.cpuUsage)
        set.cpuStat = openFile(files.cpuStat)
        set.memoryUsage = openFile(files.memoryUsage)
        set.memoryLimit = openFile(files.memoryLimit)
        set.memoryStat = openFile(files.memoryStat)
        set.pidsCurrent = openFile(files.pidsCurrent)
        set.pidsMax = openFile(files.pidsMax)
        set.oomCounter = openFile(files.oomCounter)
        set.pressureDirectory = files.pressureDirectory
        for path in files.blockIO where set.blockIO < 0 {
            set.blockIO = openFile(path)
        }
        guard set.cgroupDescriptors.contains(where: { $0 >= 0 }) else { return nil }
        set.openNetDev(pid: pid)
        return set
    }

    mutating func openNetDev(pid: Int32) {
        if netDev >= 0 { Glibc.close(netDev) }
        netPid = pid
        netDev = pid > 0 ? StatFileSet.openFile("/proc/\(pid)/net/dev") : -1
    }

    var cgroupDescriptors: [Int32] {
        [cpuUsage, cpuStat, memoryUsage, memoryLimit, memoryStat, pidsCurrent, pidsMax, blockIO, oomCounter]
    }

    func closeAll() {
        for fd in cgroupDescriptors + [netDev] where fd >= 0 { Glibc.close(fd) }
    }

    private static func openFile(_ path: String?) -> Int32 {
        guard let path else { return -1 }
        return Glibc.open(path, O_RDONLY | O_CLOEXEC)
    }
}
