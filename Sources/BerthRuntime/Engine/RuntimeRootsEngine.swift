import BerthOS
import Foundation
import Synchronization

/// Berth's own containers and, beside them, those of runc-style roots other engines drive
/// (`berth top --runc-root DIR`): one `ContainerEngine` for the dashboard. The others' containers
/// are shown — state, cgroup stats, processes, their state file — but never acted on: stopping or
/// removing them is their engine's job (its shim collects the exit status and cleans up), so
/// every action on one is refused with a line naming that engine's root.
public final class RuntimeRootsEngine: ContainerEngine {
    public let own: any ContainerEngine
    public let roots: [RuntimeRootReader]
    /// The foreign containers of the last listing, by id (actions are routed by it).
    private let foreign = ForeignTable()
    /// What each bundle says, read once per container (config.json does not change after create).
    private let bundles = Mutex<[String: RuntimeRootReader.BundleSummary]>([:])
    /// Samples the foreign containers from the cgroups their init is in.
    private let sampler: StatsSampler
    /// This host's cgroup hierarchies, read once.
    private let cgroups: ProcessCgroups.Resolver?

    public init(own: any ContainerEngine, roots: [RuntimeRootReader]) {
        self.own = own
        self.roots = roots
        let table = foreign
        let resolver = ProcessCgroups.Resolver()
        cgroups = resolver
        sampler = StatsSampler(statsFiles: { id in
            // The init of the last listing, still itself (a reused pid is not sampled).
            guard let c = table.withLock({ $0[id] }), ProcStat.isAlive(pid: c.pid, startTime: c.pidStartTime) else {
                return CgroupStatsFiles(version: .v1)
            }
            return resolver?.of(pid: c.pid)?.statsFiles ?? CgroupStatsFiles(version: .v1)
        })
    }

    /// Whether `ref` names a container of another engine's root (as of the last listing).
    public func isForeign(_ ref: String) -> Bool { foreign.withLock { $0[ref] != nil } }

    /// Why `ref` cannot be acted on here; nil for Berth's own containers.
    public func readOnlyRefusal(_ ref: String) -> BerthError? {
        guard let c = foreign.withLock({ $0[ref] }) else { return nil }
        return BerthError.unsupported("\(c.displayName) belongs to the runtime root \(c.root): act on it with the engine that made it (ctr, crictl, podman)")
    }

    private func refuseForeign(_ ref: String) throws {
        if let e = readOnlyRefusal(ref) { throw e }
    }

    // MARK: listing and stats

    private func foreignInfos(all: Bool) -> [ContainerInfo] {
        var seen: [String: RuntimeRootContainer] = [:]
        var out: [ContainerInfo] = []
        for reader in roots {
            for c in reader.containers() where seen[c.id] == nil {
                seen[c.id] = c
                let status = c.status(cgroups: cgroups?.of(pid: c.pid))
                guard all || status == .running || status == .paused else { continue }
                out.append(info(c, status))
            }
        }
        foreign.withLock { $0 = seen }
        bundles.withLock { $0 = $0.filter { seen[$0.key] != nil } }
        return out
    }

    private func info(_ c: RuntimeRootContainer, _ status: RuntimeRootContainer.Status) -> ContainerInfo {
        let bundle = bundles.withLock { $0[c.id] } ?? {
            let read = RuntimeRootReader.summary(bundle: c.bundle) ?? RuntimeRootReader.BundleSummary()
            bundles.withLock { $0[c.id] = read }
            return read
        }()
        var state = ContainerState(status: status == .created ? .created : status == .stopped ? .exited : .running)
        if status == .running || status == .paused {
            state.pid = c.pid
            state.startedAt = c.created
        }
        state.paused = status == .paused
        // Another engine's annotations never speak for Berth: `berth.service` would put the row
        // under a Berth service's heading (and `+`/`-` would scale that service).
        var labels = c.annotations.filter { !$0.key.hasPrefix("berth.") }
        labels[Self.rootLabel] = c.root
        labels[Self.formatLabel] = c.format.rawValue
        var info = ContainerInfo(id: c.id, name: c.displayName, image: c.image, command: bundle.command,
                                 created: c.created ?? Date(timeIntervalSince1970: 0), state: state, labels: labels,
                                 hostname: "", network: bundle.network)
        info.networkContainer = bundle.networkPath
        return info
    }

    /// Labels a foreign container's row carries: the root it is in, and that root's format.
    public static let rootLabel = "berth.runtime-root"
    public static let formatLabel = "berth.runtime-format"

    public func list(all: Bool) throws -> [ContainerInfo] {
        (try own.list(all: all) + foreignInfos(all: all)).sorted { $0.created > $1.created }
    }

    public func inspect(_ ref: String) throws -> ContainerInfo {
        // The container of the last listing, its status read now (no listing of every root again).
        if let c = foreign.withLock({ $0[ref] }) { return info(c, c.status(cgroups: cgroups?.of(pid: c.pid))) }
        return try own.inspect(ref)
    }

    public func sampleStats() -> [ContainerStats] {
        own.sampleStats() + sampleForeign(foreignInfos(all: false))
    }

    public func sampleStats(of containers: [ContainerInfo]) -> [ContainerStats] {
        let (theirs, mine) = split(containers)
        return own.sampleStats(of: mine) + sampleForeign(theirs)
    }

    private func split(_ containers: [ContainerInfo]) -> (foreign: [ContainerInfo], own: [ContainerInfo]) {
        let ids = foreign.withLock { Set($0.keys) }
        return (containers.filter { ids.contains($0.id) && $0.labels[Self.rootLabel] != nil },
                containers.filter { !ids.contains($0.id) || $0.labels[Self.rootLabel] == nil })
    }

    private func sampleForeign(_ containers: [ContainerInfo]) -> [ContainerStats] {
        sampler.sample(containers.compactMap { c in
            guard c.state.status == .running, let pid = c.state.pid else { return nil }
            return (c.id, pid)
        })
    }

    public func desiredReplicas() -> [String: Int] { own.desiredReplicas() }
    public func serviceTargets() -> [String: ServiceTarget] { own.serviceTargets() }
    public func setAutoscaleRange(_ service: String, min: Int, max: Int) throws {
        try own.setAutoscaleRange(service, min: min, max: max)
    }
    public func hostInfo() -> HostInfo { own.hostInfo() }

    // MARK: actions: Berth's own containers only

    public func start(_ ref: String) throws { try refuseForeign(ref); try own.start(ref) }
    public func stop(_ ref: String, timeout: Int) throws { try refuseForeign(ref); try own.stop(ref, timeout: timeout) }
    public func restart(_ ref: String, timeout: Int) throws { try refuseForeign(ref); try own.restart(ref, timeout: timeout) }
    public func kill(_ ref: String, signal: Int32) throws { try refuseForeign(ref); try own.kill(ref, signal: signal) }
    public func remove(_ ref: String, force: Bool) throws { try refuseForeign(ref); try own.remove(ref, force: force) }
    public func pause(_ ref: String) throws { try refuseForeign(ref); try own.pause(ref) }
    public func unpause(_ ref: String) throws { try refuseForeign(ref); try own.unpause(ref) }
    public func update(_ ref: String, _ change: ContainerUpdate) throws { try refuseForeign(ref); try own.update(ref, change) }
    public func signalProcess(_ ref: String, pid: Int32, signal: Int32) throws {
        try refuseForeign(ref)
        try own.signalProcess(ref, pid: pid, signal: signal)
    }

    // MARK: reads

    /// The engine that made a foreign container keeps its output (containerd's FIFOs, conmon's
    /// log): no file here to follow.
    public func logPath(_ ref: String) throws -> String {
        try refuseForeign(ref)
        return try own.logPath(ref)
    }
    public func tailLogs(_ ref: String, limit: Int) throws -> [LogLine] {
        if isForeign(ref) { return [] }
        return try own.tailLogs(ref, limit: limit)
    }

    public func inspectDocument(_ ref: String) throws -> String {
        if let c = foreign.withLock({ $0[ref] }), let reader = roots.first(where: { $0.root == c.root }),
           let text = reader.stateText(ref) {
            // The runtime's own record, indented for reading.
            if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
               let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) {
                return String(decoding: pretty, as: UTF8.self)
            }
            return text
        }
        return try own.inspectDocument(ref)
    }

    public func processSamples(_ ref: String) throws -> [ProcessSample] {
        guard let c = foreign.withLock({ $0[ref] }) else { return try own.processSamples(ref) }
        guard let cgroups = cgroups?.of(pid: c.pid), c.status(cgroups: cgroups) != .stopped else {
            throw BerthError.invalidState("\(c.displayName) is not running")
        }
        return cgroups.pids().compactMap { ProcessSample.read(pid: $0) }.sorted { $0.pid < $1.pid }
    }

    public func journal() -> EventJournal? { own.journal() }
    public func eventFeed() -> (any EventFeed)? { own.eventFeed() }
    public func imageSummaries() throws -> [ImageSummary] { try own.imageSummaries() }
    public func volumeSummaries() throws -> [VolumeSummary] { try own.volumeSummaries() }
    public func networkSummaries() throws -> [NetworkSummary] { try own.networkSummaries() }
    public func removeResource(_ kind: ResourceKind, _ name: String) throws { try own.removeResource(kind, name) }
    public func pruneResources(_ kind: ResourceKind) throws -> String { try own.pruneResources(kind) }
}

/// The foreign containers of the last listing, shared with the sampler's file lookup.
private final class ForeignTable: Sendable {
    private let byID = Mutex<[String: RuntimeRootContainer]>([:])
    func withLock<T>(_ body: (inout [String: RuntimeRootContainer]) -> T) -> T { byID.withLock { body(&$0) } }
}
