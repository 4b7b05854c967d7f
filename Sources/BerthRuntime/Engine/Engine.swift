import BerthOCI
import BerthOS
import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The façade the CLI and the dashboard use. State on disk is the source of truth: every call
/// reads it, so several `berth` processes and the shims can work on one root at once.
///
/// The work is done by parts with one job each, all `Sendable` (immutable, or their caches behind
/// a `Mutex`): `ContainerStore` (records, paths, names, status), `ContainerCgroups` (cgroup
/// managers, stats samplers, a container's cgroups), `BridgeNetworkStore` (the bridge and its
/// leases), `ImageStore`, `ServiceStore`, and `ShimClient` (launch, stop, signal; waits through
/// `SupervisorWatch`) for the supervisors. The verbs are in `Engine+Create`, `Engine+Lifecycle`,
/// `Engine+Exec`, `Engine+Network`, `Engine+Reconcile`, `Engine+Images`, `Engine+Services` and
/// `Engine+Compose`.
public final class Engine: ContainerEngine, Sendable {
    public let root: String
    public let options: EngineOptions
    public let images: ImageStore
    let store: ContainerStore
    let cgroups: ContainerCgroups
    /// Compiled seccomp filters, by profile (`SeccompCache`).
    var seccompCache: SeccompCache { SeccompCache(directory: root + "/cache/seccomp") }
    let bridgeStore: BridgeNetworkStore
    let serviceStore: ServiceStore
    let shim: ShimClient
    let cliPath: String

    public init(options: EngineOptions = EngineOptions()) throws {
        guard options.root.hasPrefix("/") else {
            throw BerthError.invalidArgument("--root must be an absolute path, not \(options.root.quoted)")
        }
        self.options = options
        var root = options.root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        images = ImageStore(root: root)
        store = ContainerStore(root: root)
        cgroups = ContainerCgroups(root: root)
        bridgeStore = BridgeNetworkStore(root: root)
        serviceStore = ServiceStore(root: root)
        let dir = Self.executableDirectory()
        shim = ShimClient(shimPath: options.shimPath ?? dir + "/berth-shim")
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

    /// Resolves a name, a full id or a unique id prefix.
    public func resolve(_ ref: String) throws -> ContainerRecord { try store.resolve(ref) }

    /// PIDs in any of the container's cgroups (wherever its launch plan put them).
    func cgroupPids(id: String, parent: String?) -> [Int32] {
        cgroups.pids(id: id, parent: parent, plan: store.paths(id).plan)
    }

    /// Metadata from container.json; command, hostname and limits from config.json, which holds
    /// them alone (an unreadable one shows as empty: `start` and `inspect` report why).
    func info(_ r: ContainerRecord) -> ContainerInfo {
        let spec = store.specSummary(r.id)
        var i = ContainerInfo(id: r.id, name: r.name, image: r.image, command: spec?.process?.args ?? [],
                      created: r.created, state: store.state(r.id, spec: spec), limits: spec?.limits ?? ResourceLimits(),
                      restartPolicy: r.restartPolicy, labels: r.labels, hostname: spec?.hostname ?? r.name,
                      network: r.network, ipAddress: r.ipAddress, autoRemove: r.autoRemove)
        i.ports = r.ports ?? []
        i.networks = r.attachments
        i.networkContainer = r.networkContainer
        if i.state.status == .dead {
            // The supervisor was killed: say whether the container's processes still run unwatched.
            let n = cgroupPids(id: r.id, parent: r.cgroupParent).count
            if n > 0 { i.state.strayProcesses = n }
        }
        return i
    }

    // MARK: - ContainerEngine: queries

    public func list(all: Bool) throws -> [ContainerInfo] {
        var out: [ContainerInfo] = []
        let ids = store.containerIDs()
        // Containers another process removed: let go of what was cached for them (pidfds).
        store.forgetAllBut(Set(ids))
        for id in ids {
            guard let r = store.record(id) else {
                // Shown, not hidden: its processes and cgroups may live on until `rm -f ID`.
                if all, let reason = store.brokenReason(id) { out.append(brokenInfo(id, reason: reason)) }
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
        guard let spec = try store.storedSpec(r.id) else { throw BerthError.noSuchContainer(ref) }
        return spec
    }

    public func sampleStats() -> [ContainerStats] {
        var targets: [String: [(id: String, pid: Int32)]] = [:]
        for id in store.containerIDs() {
            guard let pid = store.runningInit(id), let r = store.record(id) else { continue }
            targets[r.cgroupParent ?? "", default: []].append((id, Self.networkPid(r, initPid: pid)))
        }
        return cgroups.sample(targets)
    }

    /// The PID whose /proc/PID/net/dev has the container's network counters; 0 for a container
    /// without a namespace of its own with interfaces (`none`: loopback only; `host`: the host's
    /// counters): docker shows no network figures for those either, and nothing is held open or
    /// read for them every tick.
    static func networkPid(_ r: ContainerRecord, initPid: Int32) -> Int32 {
        r.network.hasInterfaces ? initPid : 0
    }

    /// Stats of the running containers of a listing just taken: the dashboard's tick walks the
    /// state directory once, not twice.
    public func sampleStats(of containers: [ContainerInfo]) -> [ContainerStats] {
        var targets: [String: [(id: String, pid: Int32)]] = [:]
        for c in containers where c.state.status == .running {
            guard let pid = c.state.pid, let r = store.listedRecord(c.id) else { continue }
            targets[r.cgroupParent ?? "", default: []].append((c.id, Self.networkPid(r, initPid: pid)))
        }
        return cgroups.sample(targets)
    }

    public func hostInfo() -> HostInfo { HostProbe.hostInfo() }

    public func logPath(_ ref: String) throws -> String { store.paths(try resolve(ref).id).log }

    public func tailLogs(_ ref: String, limit: Int) throws -> [LogLine] {
        LogReader(path: try logPath(ref)).tail(limit)
    }
}
