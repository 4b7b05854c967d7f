import BerthOCI
import BerthOS
import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct EngineOptions: Sendable {
    /// Holds all state, images and logs (`--root`, `BERTH_ROOT`).
    public var root: String
    /// `--cgroup-parent` default for new containers; nil = `<current cgroup>/berth`.
    public var cgroupParent: String?
    /// The supervisor binary; nil = `berth-shim` beside the running executable, or `BERTH_SHIM`.
    public var shimPath: String?
    /// The CLI, exec'd by a supervisor to remove an `--rm` container; nil = `berth` beside the executable.
    public var cliPath: String?
    /// The most replicas one service may have (`BERTH_MAX_REPLICAS`, default 1000): a typo such
    /// as `scale web=10000` is refused before anything is created.
    public var maxReplicas: Int

    public static let defaultMaxReplicas = 1000
    public static let defaultRoot = "/var/lib/berth"

    public init(root: String? = nil, cgroupParent: String? = nil, shimPath: String? = nil, cliPath: String? = nil,
                maxReplicas: Int? = nil) {
        let env = ProcessInfo.processInfo.environment
        self.root = root ?? env["BERTH_ROOT"] ?? Self.defaultRoot
        self.cgroupParent = cgroupParent
        self.shimPath = shimPath ?? env["BERTH_SHIM"]
        self.cliPath = cliPath ?? env["BERTH_CLI"]
        self.maxReplicas = maxReplicas ?? env["BERTH_MAX_REPLICAS"].flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
            ?? Self.defaultMaxReplicas
    }
}

/// The façade the CLI and the dashboard use. State on disk is the source of truth: every call
/// reads it, so several `berth` processes and the shims can work on one root at once.
public final class Engine: ContainerEngine, @unchecked Sendable {
    public let root: String
    public let options: EngineOptions
    public let images: ImageStore
    let shimPath: String
    let cliPath: String
    /// One sampler per cgroup parent: it keeps each container's stats files open between samples.
    private var samplers: [String: StatsSampler] = [:]
    private let cacheLock = NSLock()
    /// container.json never changes after creation; decoding it is the costly part of a listing.
    private var recordCache: [String: ContainerRecord] = [:]
    private var managers: [String: any CgroupManager] = [:]
    let statusCache = StatusCache()
    let specCache = SpecCache()

    public init(options: EngineOptions = EngineOptions()) throws {
        guard options.root.hasPrefix("/") else {
            throw BerthError.invalidArgument("--root must be an absolute path, not \(options.root.quoted)")
        }
        self.options = options
        var root = options.root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        images = ImageStore(root: root)
        let dir = Self.executableDirectory()
        shimPath = options.shimPath ?? dir + "/berth-shim"
        cliPath = options.cliPath ?? dir + "/berth"
        try StorePermissions.secure(root: root) { message in
            FileHandle.standardError.write(Data("berth: \(message)\n".utf8))
        }
        Self.raiseOpenFileLimit()
    }

    /// The stats sampler keeps several files open per container: lift the soft descriptor limit
    /// (often 1024) to the hard one, as Go programs do at start.
    static func raiseOpenFileLimit() {
        var lim = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim) == 0, lim.rlim_cur < lim.rlim_max else { return }
        lim.rlim_cur = lim.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim)
    }

    static func executableDirectory() -> String {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return "." }
        let path = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    }

    func paths(_ id: String) -> ContainerPaths { ContainerPaths(root: root, id: id) }
    var globalLock: String { root + "/containers.lock" }

    func cgroupManager(parent: String?) throws -> any CgroupManager {
        let key = parent ?? ""
        cacheLock.lock()
        if let m = managers[key] { cacheLock.unlock(); return m }
        cacheLock.unlock()
        let m = try Cgroups.manager(parent: parent, ledger: root + "/cgroups.owned")
        cacheLock.lock(); managers[key] = m; cacheLock.unlock()
        return m
    }

    func sampler(parent: String?) -> StatsSampler? {
        let key = parent ?? ""
        cacheLock.lock()
        if let s = samplers[key] { cacheLock.unlock(); return s }
        cacheLock.unlock()
        guard let manager = try? cgroupManager(parent: parent) else { return nil }
        let s = StatsSampler(manager: manager)
        cacheLock.lock(); samplers[key] = s; cacheLock.unlock()
        return s
    }

    // MARK: - Records and references

    /// Ids are 64 hex digits; `.removing-*` and lock files are not containers.
    func containerIDs() -> [String] {
        FileIO.entryNames(root + "/containers").filter { $0.count == 64 }
    }

    /// nil when the container vanished (removed concurrently) or was never complete.
    func record(_ id: String) -> ContainerRecord? {
        cacheLock.lock()
        if let r = recordCache[id] { cacheLock.unlock(); return r }
        cacheLock.unlock()
        guard let data = FileIO.read(paths(id).record),
              let r = try? JSONDecoder.berth.decode(ContainerRecord.self, from: Data(data)) else { return nil }
        cacheLock.lock(); recordCache[id] = r; cacheLock.unlock()
        return r
    }

    func forget(_ id: String) {
        cacheLock.lock(); recordCache[id] = nil; cacheLock.unlock()
        specCache.forget(path: paths(id).spec)
    }

    /// The container's config.json: the one copy of what it runs with. nil when it vanished.
    func storedSpec(_ id: String) throws -> OCI.Spec? {
        let path = paths(id).spec
        guard let bytes = FileIO.read(path) else { return nil }
        do { return try JSONDecoder().decode(OCI.Spec.self, from: Data(bytes)) } catch {
            throw BerthError.corruptState("\(path): \(error)")
        }
    }

    /// What listings show from config.json, cached until the file changes.
    func specSummary(_ id: String) -> SpecSummary? { specCache.summary(path: paths(id).spec) }

    /// Resolves a name, a full id or a unique id prefix.
    /// Names resolve through `names/<name>` → id links: O(1), without decoding every record.
    public func resolve(_ ref: String) throws -> ContainerRecord {
        guard ResourceName.isValid(ref) else { throw BerthError.noSuchContainer(ref) }
        if let id = NameIndex(root: root).id(of: ref), let r = record(id), r.name == ref { return r }
        if ref.count == 64, let r = record(ref) { return r }
        let matches = containerIDs().filter { $0.hasPrefix(ref) }
        if matches.count > 1 { throw BerthError.ambiguousContainer(ref) }
        if let id = matches.first, let r = record(id) { return r }
        // A name whose link was lost (a crash between two steps) is still found, slowly.
        if let r = containerIDs().lazy.compactMap({ self.record($0) }).first(where: { $0.name == ref }) { return r }
        throw BerthError.noSuchContainer(ref)
    }

    func shimStatus(_ id: String) -> ShimStatus? {
        statusCache.status(path: paths(id).status)
    }

    /// The supervisor still runs when its PID holds a process with the recorded start time.
    static func isAlive(pid: Int32?, startTime: UInt64?) -> Bool {
        guard let pid, pid > 0 else { return false }
        guard let start = startTime else { return Glibc.kill(pid, 0) == 0 }
        return ProcStat.startTime(pid: pid) == start
    }

    /// As `isAlive`, through a cached pidfd: one poll(2) per call instead of parsing /proc.
    func shimAlive(_ s: ShimStatus) -> Bool {
        guard let pid = s.shimPid, pid > 0 else { return false }
        return statusCache.alive(pid: pid, start: s.shimStart)
    }

    /// The host PID of the container's init while it runs under a live supervisor; nil otherwise
    /// (created, exited, restarting, or its supervisor gone).
    func runningInit(_ id: String) -> Int32? {
        guard let s = shimStatus(id), s.status == "running", let pid = s.pid, shimAlive(s) else { return nil }
        return pid
    }

    /// As `runningInit`, for operations that need a running container.
    func requireRunningInit(_ r: ContainerRecord) throws -> Int32 {
        guard let pid = runningInit(r.id) else { throw BerthError.invalidState("container \(r.name) is not running") }
        return pid
    }

    func state(_ id: String) -> ContainerState {
        guard let s = shimStatus(id) else { return ContainerState(status: .created) }
        return s.containerState(shimAlive: shimAlive(s))
    }

    /// Metadata from container.json; command, hostname and limits from config.json, which holds
    /// them alone (an unreadable one shows as empty: `start` and `inspect` report why).
    func info(_ r: ContainerRecord) -> ContainerInfo {
        let spec = specSummary(r.id)
        var i = ContainerInfo(id: r.id, name: r.name, image: r.image, command: spec?.process?.args ?? [],
                      created: r.created, state: state(r.id), limits: spec?.limits ?? ResourceLimits(),
                      restartPolicy: r.restartPolicy, labels: r.labels, hostname: spec?.hostname ?? r.name,
                      network: r.network, ipAddress: r.ipAddress, autoRemove: r.autoRemove)
        i.ports = r.ports ?? []
        if i.state.status == .dead {
            // The supervisor was killed: say whether the container's processes still run unwatched.
            let n = cgroupPids(id: r.id, parent: r.cgroupParent).count
            if n > 0 { i.state.strayProcesses = n }
        }
        return i
    }

    /// Imports a root filesystem directory as `reference`, keeping the layers of a replaced tag
    /// that containers still use.
    @discardableResult
    public func importImage(directory: String, as reference: ImageReference, config: ImageConfig) throws -> ImageRecord {
        let inUse = Set(containerIDs().compactMap { record($0)?.layers }.joined())
        return try images.importDirectory(directory, as: reference, config: config, layersInUse: inUse)
    }

    // MARK: - ContainerEngine: queries

    public func list(all: Bool) throws -> [ContainerInfo] {
        var out: [ContainerInfo] = []
        for id in containerIDs() {
            guard let r = record(id) else {
                // Shown, not hidden: its processes and cgroups may live on until `rm -f ID`.
                if all, let reason = brokenReason(id) { out.append(brokenInfo(id, reason: reason)) }
                continue
            }
            let i = info(r)
            if all || i.state.isRunning { out.append(i) }
        }
        return out.sorted { $0.created > $1.created }
    }

    public func inspect(_ ref: String) throws -> ContainerInfo { info(try resolve(ref)) }

    /// The container's OCI spec (config.json).
    public func spec(_ ref: String) throws -> OCI.Spec {
        let r = try resolve(ref)
        guard let spec = try storedSpec(r.id) else { throw BerthError.noSuchContainer(ref) }
        return spec
    }

    public func sampleStats() -> [ContainerStats] {
        var targets: [String: [(id: String, pid: Int32)]] = [:]
        for id in containerIDs() {
            guard let pid = runningInit(id), let r = record(id) else { continue }
            targets[r.cgroupParent ?? "", default: []].append((id, pid))
        }
        return sample(targets)
    }

    /// Stats of the running containers of a listing just taken: the dashboard's tick walks the
    /// state directory once, not twice.
    public func sampleStats(of containers: [ContainerInfo]) -> [ContainerStats] {
        var targets: [String: [(id: String, pid: Int32)]] = [:]
        for c in containers where c.state.status == .running {
            guard let pid = c.state.pid, let r = record(c.id) else { continue }
            targets[r.cgroupParent ?? "", default: []].append((c.id, pid))
        }
        return sample(targets)
    }

    private func sample(_ targets: [String: [(id: String, pid: Int32)]]) -> [ContainerStats] {
        var out: [ContainerStats] = []
        for (parent, list) in targets {
            guard let sampler = sampler(parent: parent.isEmpty ? nil : parent) else { continue }
            out += sampler.sample(list)
        }
        // A sampler whose containers all stopped must still let go of their files: an open
        // /proc/PID/net/dev pins the dead container's network namespace and its veth.
        cacheLock.lock()
        let idle = samplers.filter { targets[$0.key] == nil }.map(\.value)
        cacheLock.unlock()
        for sampler in idle { _ = sampler.sample([]) }
        return out
    }

    public func hostInfo() -> HostInfo { HostProbe.hostInfo() }

    public func logPath(_ ref: String) throws -> String { paths(try resolve(ref).id).log }

    public func tailLogs(_ ref: String, limit: Int) throws -> [LogLine] {
        LogReader(path: try logPath(ref)).tail(limit)
    }
}

/// `/proc/PID/stat` start time, to tell a process from a later one that reused its PID; nil for a
/// process that is gone or a zombie.
enum ProcStat {
    /// Field 22 of /proc/PID/stat, read into a stack buffer and scanned as bytes (hot: every sample).
    static func startTime(pid: Int32) -> UInt64? {
        var path: (CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar,
                   CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let fd: Int32 = withUnsafeMutableBytes(of: &path) { raw in
            let p = raw.bindMemory(to: UInt8.self)
            var i = 0
            for c in "/proc/".utf8 { p[i] = c; i += 1 }
            var digits: [UInt8] = []
            var v = pid
            repeat { digits.append(UInt8(48 + v % 10)); v /= 10 } while v > 0
            for d in digits.reversed() { p[i] = d; i += 1 }
            for c in "/stat".utf8 { p[i] = c; i += 1 }
            p[i] = 0
            return open(raw.baseAddress!.assumingMemoryBound(to: CChar.self), O_RDONLY | O_CLOEXEC)
        }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { buf -> UInt64? in
            let n = read(fd, buf.baseAddress, 1024)
            guard n > 0 else { return nil }
            // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
            var i = n - 1
            while i > 0 && buf[i] != UInt8(ascii: ")") { i -= 1 }
            // A zombie (field 3 is Z or X) has ended: its parent just has not reaped it yet. A killed
            // supervisor can stay one for a while when its reaper is slow; it must not count as alive.
            if i + 2 < n, buf[i + 2] == UInt8(ascii: "Z") || buf[i + 2] == UInt8(ascii: "X") { return nil }
            var field = 2
            var value: UInt64 = 0
            i += 1
            while i < n {
                let c = buf[i]
                if c == UInt8(ascii: " ") {
                    if field == 22 { return value }
                    field += 1
                    value = 0
                } else if field == 22, c >= 48, c <= 57 {
                    value = value * 10 + UInt64(c - 48)
                }
                i += 1
            }
            return field == 22 ? value : nil
        }
    }
}
