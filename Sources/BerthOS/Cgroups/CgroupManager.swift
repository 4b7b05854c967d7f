import BerthOCI

/// Which cgroup interface a host offers. A hybrid host (v1 controllers plus an empty cgroup2 mount) is v1.
public enum CgroupVersion: String, Sendable, Codable {
    case v1, v2
}

/// Where one container's cgroups are, for the launch plan and the supervisor.
public struct CgroupPaths: Sendable, Codable, Equatable {
    /// cgroup.procs of each hierarchy the container joins; the shim writes the init pid to each.
    public var procsFiles: [String]
    /// v1 memory.oom_control or v2 memory.events; both carry an "oom_kill N" line.
    public var oomCounterFile: String?
    /// The container's own directories, one per hierarchy it joins (v2: one).
    public var directories: [String]
    /// What `create` could not apply because the kernel has no file for it (`DroppedLimit`); the
    /// caller tells the user. Empty from `paths(id:)`.
    public var dropped: [DroppedLimit] = []

    public init(procsFiles: [String], oomCounterFile: String?, directories: [String]) {
        self.procsFiles = procsFiles; self.oomCounterFile = oomCounterFile; self.directories = directories
    }
}

/// The files the stats sampler reads for one container; nil where the controller is not there.
public struct CgroupStatsFiles: Sendable, Equatable {
    public var version: CgroupVersion
    /// v1 cpuacct.usage (ns); on v2 usage is a line of `cpuStat`.
    public var cpuUsage: String?
    public var cpuStat: String?
    public var memoryUsage: String?
    public var memoryLimit: String?
    public var memoryStat: String?
    public var pidsCurrent: String?
    public var pidsMax: String?
    /// Block IO files in order of preference; the first that opens is used.
    public var blockIO: [String]
    public var oomCounter: String?
    /// The cgroup v2 directory whose `*.pressure` files hold the container's own pressure stall
    /// (v1 has none); read by path with the slow files, so it holds no descriptor.
    public var pressureDirectory: String?

    public init(version: CgroupVersion, cpuUsage: String? = nil, cpuStat: String? = nil, memoryUsage: String? = nil,
                memoryLimit: String? = nil, memoryStat: String? = nil, pidsCurrent: String? = nil,
                pidsMax: String? = nil, blockIO: [String] = [], oomCounter: String? = nil, pressureDirectory: String? = nil) {
        self.pressureDirectory = pressureDirectory
        self.version = version; self.cpuUsage = cpuUsage; self.cpuStat = cpuStat; self.memoryUsage = memoryUsage
        self.memoryLimit = memoryLimit; self.memoryStat = memoryStat; self.pidsCurrent = pidsCurrent
        self.pidsMax = pidsMax; self.blockIO = blockIO; self.oomCounter = oomCounter
    }
}

extension CgroupStatsFiles {
    /// The files of a v1 container whose directory for each controller `directory` gives (nil:
    /// that controller is not mounted or not joined).
    public static func v1(directory: (String) -> String?) -> CgroupStatsFiles {
        var files = CgroupStatsFiles(version: .v1)
        if let dir = directory("cpuacct") { files.cpuUsage = dir + "/cpuacct.usage" }
        if let dir = directory("cpu") { files.cpuStat = dir + "/cpu.stat" }
        if let dir = directory("memory") {
            files.memoryUsage = dir + "/memory.usage_in_bytes"
            files.memoryLimit = dir + "/memory.limit_in_bytes"
            files.memoryStat = dir + "/memory.stat"
            files.oomCounter = dir + "/memory.oom_control"
        }
        if let dir = directory("pids") {
            files.pidsCurrent = dir + "/pids.current"
            files.pidsMax = dir + "/pids.max"
        }
        if let dir = directory("blkio") {
            // The throttle files count IO on every scheduler; the plain ones only under CFQ/BFQ.
            files.blockIO = [dir + "/blkio.throttle.io_service_bytes_recursive", dir + "/blkio.io_service_bytes_recursive"]
        }
        return files
    }

    /// The files of a v2 container whose cgroup is `dir`.
    public static func v2(directory dir: String) -> CgroupStatsFiles {
        CgroupStatsFiles(version: .v2, cpuStat: dir + "/cpu.stat", memoryUsage: dir + "/memory.current",
                         memoryLimit: dir + "/memory.max", memoryStat: dir + "/memory.stat",
                         pidsCurrent: dir + "/pids.current", pidsMax: dir + "/pids.max",
                         blockIO: [dir + "/io.stat"], oomCounter: dir + "/memory.events", pressureDirectory: dir)
    }
}

/// Creates, limits and removes containers' cgroups. Berth's cgroups live under a base that is Berth's own
/// (by default "<the cgroup Berth runs in>/berth"); a manager never writes to a cgroup it did not create.
public protocol CgroupManager: Sendable {
    var version: CgroupVersion { get }
    /// Creates (idempotently) the container's cgroup(s) under Berth's base and applies `resources`
    /// (config.json's `linux.resources`), checked by `LimitRules` first. On any failure removes what
    /// this call created and throws an error naming the file and errno.
    func create(id: String, resources: OCI.Resources?) throws -> CgroupPaths
    /// Puts `rules` (`DeviceRules.effective`: deny all first) in force on the container's cgroup
    /// made by `create`, before any process joins it: v1's devices controller, a v2 device program.
    func restrictDevices(id: String, rules: [DeviceRule]) throws
    func paths(id: String) -> CgroupPaths
    /// Removes the container's directories (retrying EBUSY briefly, as the kernel frees a dead task
    /// asynchronously), then Berth's base if it is empty and Berth created it. Missing directories are fine.
    func remove(id: String) throws
    /// PIDs currently in the container's cgroup(s).
    func pids(id: String) -> [Int32]
    /// The stat files of the container's cgroup(s), for `StatsSampler`.
    func statsFiles(id: String) -> CgroupStatsFiles
}
