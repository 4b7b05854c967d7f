import BerthOS
import Foundation

extension Engine {
    /// Stores a new service and starts its replicas. Fails when the name is taken.
    @discardableResult
    public func createService(_ spec: ServiceSpec) throws -> ScaleResult {
        try validate(spec)
        return try serviceStore.locked(spec.name) {
            if try serviceStore.load(spec.name) != nil { throw BerthError.invalidArgument("service \(spec.name) already exists") }
            try checkCapacity(spec, desired: spec.replicas)
            try serviceStore.save(spec)
            return try reconcile(spec, timeout: spec.stopTimeout)
        }
    }

    /// Creates the service, or brings an existing one of the same project to `spec`: replicas of a
    /// changed definition are recreated, stopped ones started, the count scaled. What `berth up` does.
    @discardableResult
    public func applyService(_ spec: ServiceSpec) throws -> ScaleResult {
        try validate(spec)
        let applied = try serviceStore.locked(spec.name) { () throws -> ScaleResult in
            var removed: [String] = []
            var from: Int?
            let previous = try serviceStore.load(spec.name)
            try checkCapacity(spec, desired: spec.replicas, recreating: previous.map { !$0.sameDefinition(as: spec) } ?? false)
            if let old = previous {
                guard old.project == spec.project else {
                    let owner = old.project.map { "project \($0)" } ?? "berth service create"
                    throw BerthError.invalidArgument("service \(spec.name) already exists (created by \(owner))")
                }
                if !old.sameDefinition(as: spec) {
                    let replicas = replicas(of: spec.name)
                    from = replicas.count
                    removed = try removeReplicas(Array(replicas.values), timeout: old.stopTimeout)
                }
            }
            var stored = spec
            if let old = try serviceStore.load(spec.name), old.sameDefinition(as: spec) { stored.created = old.created }
            if let policy = spec.autoscale {
                // The autoscaler owns the count: `up` keeps what it chose, within the new range.
                stored.replicas = min(max(previous?.replicas ?? spec.replicas, policy.min), policy.max)
            }
            try serviceStore.save(stored)
            var result = try reconcile(stored, timeout: stored.stopTimeout)
            result.removed = removed + result.removed
            if let from { result.from = from }
            if stored.autoscale != previous?.autoscale {
                recordServiceEvent(spec.name, action: stored.autoscale == nil ? "autoscale-off" : "autoscale",
                                   ["policy": stored.autoscale?.summary ?? "off", "replicas": String(stored.replicas)])
            }
            return result
        }
        if spec.autoscale != nil { try ensureAutoscaler(spec.name) } else { stopAutoscaler(spec.name) }
        return applied
    }

    /// Sets a service's desired replica count and makes it so: missing replicas are created and
    /// started concurrently, stopped ones started, the highest-numbered extra ones stopped
    /// gracefully (SIGTERM, then SIGKILL after the stop timeout) and removed.
    /// An autoscaled service refuses a count from anyone but its autoscaler: the next sample would
    /// undo it; its range is what a person changes.
    @discardableResult
    public func scale(_ service: String, to count: Int, stopTimeout: Int? = nil) throws -> ScaleResult {
        try scale(service, to: count, stopTimeout: stopTimeout, asAutoscaler: false)!
    }

    /// `asAutoscaler`: the autoscaler's own call, which does nothing (nil) if autoscaling was
    /// turned off since it sampled.
    func scale(_ service: String, to count: Int, stopTimeout: Int?, asAutoscaler: Bool) throws -> ScaleResult? {
        guard count >= 0 else { throw BerthError.invalidArgument("invalid replica count \(count) for \(service.quoted): must be 0 or more") }
        return try serviceStore.locked(service) {
            guard var spec = try serviceStore.load(service) else { throw Self.noSuchService(service) }
            switch (spec.autoscale, asAutoscaler) {
            case (nil, true): return nil
            case (let policy?, false):
                throw BerthError.invalidArgument("service \(service) is autoscaled (\(policy.summary)): change its range with `berth service autoscale \(service) --min N --max M`, or turn it off with `--off`")
            default: break
            }
            // Refused before the desired count is stored or anything is created.
            try checkCapacity(spec, desired: count)
            spec.replicas = count
            try serviceStore.save(spec)
            return try reconcile(spec, timeout: stopTimeout ?? spec.stopTimeout)
        }
    }

    /// Removes a service and all its replicas.
    @discardableResult
    public func removeService(_ service: String, stopTimeout: Int? = nil) throws -> ScaleResult {
        return try serviceStore.locked(service) {
            let spec = try serviceStore.load(service)
            let replicas = replicas(of: service)
            guard spec != nil || !replicas.isEmpty else { throw Self.noSuchService(service) }
            // The controller first, or it would scale replicas back up while they go.
            stopAutoscaler(service)
            let removed = try removeReplicas(Array(replicas.values), timeout: stopTimeout ?? spec?.stopTimeout ?? ServiceSpec.defaultStopTimeout)
            try serviceStore.delete(service)
            return ScaleResult(service: service, from: replicas.count, to: 0, removed: removed)
        }
    }

    /// Stops a service's replicas and keeps them (and the desired count): `berth up` on Ctrl-C.
    /// The next `up` or `scale` starts them again.
    public func stopService(_ service: String, stopTimeout: Int? = nil) throws {
        try serviceStore.locked(service) {
            let stored = try serviceStore.load(service)
            let timeout = stopTimeout ?? stored?.stopTimeout ?? ServiceSpec.defaultStopTimeout
            let running = replicas(of: service).values.filter { $0.state.isRunning }
            let errors = ParallelWork.forEach(running) { info in try self.stop(info.id, timeout: timeout) }
            if let first = errors.sorted(by: { $0.key < $1.key }).first { throw first.value }
        }
    }

    public func service(_ name: String) throws -> ServiceSpec {
        guard let spec = try serviceStore.load(name) else { throw Self.noSuchService(name) }
        return spec
    }

    /// Every service with its desired and running counts, by name.
    public func listServices() throws -> [ServiceStatus] {
        let specs = serviceStore.all()
        var byService: [String: [ContainerInfo]] = [:]
        for info in try list(all: true) {
            if let s = info.service { byService[s, default: []].append(info) }
        }
        return specs.map { spec in
            let replicas = (byService[spec.name] ?? []).compactMap { info -> ReplicaStatus? in
                guard let n = ReplicaName.index(of: info, service: spec.name) else { return nil }
                return ReplicaStatus(index: n, name: info.name, id: info.id, status: info.state.status,
                                     restartCount: info.state.restartCount)
            }.sorted { $0.index < $1.index }
            // A monitor that was killed is started again by whoever next looks at the services.
            if spec.autoscale != nil { try? ensureAutoscaler(spec.name) }
            return ServiceStatus(name: spec.name, image: spec.template.image, project: spec.project,
                                 desired: spec.replicas, running: replicas.filter { $0.status == .running }.count,
                                 ports: spec.ports, replicas: replicas, spec: spec, autoscaler: autoscalerStatus(spec))
        }
    }

    // MARK: - Reconciling

    static func noSuchService(_ name: String) -> BerthError { .invalidArgument("no such service: \(Quoted.escapeControls(name))") }

    func validate(_ spec: ServiceSpec) throws {
        try ReplicaName.validateService(spec.name)
        guard spec.replicas >= 0 else {
            throw BerthError.invalidArgument("invalid replica count \(spec.replicas) for \(spec.name): must be 0 or more")
        }
        try checkMaximum(spec.name, desired: spec.replicas)
        // Every replica would fail at create: refuse before the service is stored.
        do { try LimitRules.check(spec.template.limits) } catch { throw error.berthError }
        try RunOptionRules.check(spec.template.options, network: spec.template.network)
        guard spec.stopTimeout >= 0 else { throw BerthError.invalidArgument("the stop timeout of \(spec.name) must be 0 or more") }
        if !spec.ports.isEmpty && spec.template.network != .bridge {
            throw BerthError.invalidArgument("service \(spec.name): publishing ports needs the bridge network")
        }
        _ = try spec.publishedPorts()
        _ = try images.resolve(spec.template.image)
    }

    func checkMaximum(_ service: String, desired: Int) throws {
        guard desired <= options.maxReplicas else {
            throw BerthError.invalidArgument("cannot run \(desired) replicas of \(service.quoted): the limit is \(options.maxReplicas) per service (BERTH_MAX_REPLICAS)")
        }
    }

    /// Refuses a replica count up front, before anything is stored or created: above the
    /// per-service maximum, or needing more bridge addresses than the subnet has free.
    /// `recreating`: every replica is replaced (a changed definition), so all are new and the
    /// addresses of the old ones come free first.
    func checkCapacity(_ spec: ServiceSpec, desired: Int, recreating: Bool = false) throws {
        try checkMaximum(spec.name, desired: desired)
        guard spec.template.network == .bridge, desired > 0 else { return }
        let existing = replicas(of: spec.name)
        let needed = recreating ? desired : ReplicaName.plan(existing: Array(existing.keys), desired: desired).create.count
        guard needed > 0 else { return }
        let released = recreating ? existing.values.filter { $0.ipAddress != nil }.count : 0
        let net = try bridgeStore.network(named: spec.template.networkName ?? BridgeNetwork.defaultName)
        let free = bridgeStore.freeAddresses(on: net) + released
        guard needed <= free else {
            throw BerthError.invalidArgument("cannot run \(desired) replicas of \(spec.name.quoted): \(needed) new replicas need addresses and the \(net.name) network (\(net.subnet)) has \(free) free")
        }
    }

    /// The replicas of `service` that exist, by number (any state).
    func replicas(of service: String) -> [Int: ContainerInfo] {
        var out: [Int: ContainerInfo] = [:]
        for info in (try? list(all: true)) ?? [] where info.service == service {
            if let n = ReplicaName.index(of: info, service: service) { out[n] = info }
        }
        return out
    }

    /// Makes the replicas match `spec.replicas`. Called with the service's lock held.
    func reconcile(_ spec: ServiceSpec, timeout: Int) throws -> ScaleResult {
        let existing = replicas(of: spec.name)
        let plan = ReplicaName.plan(existing: Array(existing.keys), desired: spec.replicas)
        let removedSet = Set(plan.remove)
        let stopped = existing.filter { !removedSet.contains($0.key) && !$0.value.state.isRunning }.keys.sorted()
        if !plan.create.isEmpty { _ = try images.resolve(spec.template.image) }

        enum Job: Sendable { case create(Int), start(Int, String), remove(Int, String) }
        let jobs = plan.remove.map { Job.remove($0, existing[$0]!.id) }
            + plan.create.map { Job.create($0) }
            + stopped.map { Job.start($0, existing[$0]!.id) }
        let errors = ParallelWork.forEach(jobs) { job in
            switch job {
            case .create(let n):
                let record = try self.create(try spec.replicaRequest(index: n))
                do { try self.startContainer(record.id) } catch {
                    // A replica that cannot start is not kept: the next scale tries again.
                    try? self.remove(record.id, force: true)
                    throw error
                }
            case .start(_, let id):
                do { try self.startContainer(id) } catch BerthError.invalidState(_) {
                    // Started meanwhile by its restart policy: fine.
                }
            case .remove(_, let id):
                try self.removeReplica(id, timeout: timeout)
            }
        }
        var result = ScaleResult(service: spec.name, from: existing.count, to: spec.replicas)
        for (i, job) in jobs.enumerated() where errors[i] == nil {
            switch job {
            case .create(let n): result.created.append(ReplicaName.name(service: spec.name, index: n))
            case .start(let n, _): result.started.append(ReplicaName.name(service: spec.name, index: n))
            case .remove(let n, _): result.removed.append(ReplicaName.name(service: spec.name, index: n))
            }
        }
        if let (i, error) = errors.min(by: { $0.key < $1.key }) {
            let name: String
            switch jobs[i] {
            case .create(let n), .start(let n, _), .remove(let n, _): name = ReplicaName.name(service: spec.name, index: n)
            }
            throw ServiceError(replica: name, underlying: error, result: result)
        }
        return result
    }

    func removeReplicas(_ replicas: [ContainerInfo], timeout: Int) throws -> [String] {
        let sorted = replicas.sorted { $0.name > $1.name }
        let errors = ParallelWork.forEach(sorted.map(\.id)) { id in try self.removeReplica(id, timeout: timeout) }
        if let first = errors.min(by: { $0.key < $1.key }) {
            throw ServiceError(replica: sorted[first.key].name, underlying: first.value, result: nil)
        }
        return sorted.map(\.name)
    }

    /// Graceful: SIGTERM, SIGKILL after `timeout`, then removal. A replica that vanished is fine.
    func removeReplica(_ id: String, timeout: Int) throws {
        do {
            try stop(id, timeout: timeout)
            try remove(id, force: true)
        } catch BerthError.noSuchContainer(_) {}
    }
}

extension Engine {
    public func desiredReplicas() -> [String: Int] {
        Dictionary(serviceStore.all().map { ($0.name, $0.replicas) }, uniquingKeysWith: { a, _ in a })
    }

    public func serviceTargets() -> [String: ServiceTarget] {
        Dictionary(serviceStore.all().map { ($0.name, ServiceTarget(replicas: $0.replicas, autoscale: $0.autoscale)) },
                   uniquingKeysWith: { a, _ in a })
    }
}
