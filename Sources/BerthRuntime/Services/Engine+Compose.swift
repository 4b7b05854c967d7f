import BerthOS
import Foundation

extension Engine {
    /// Brings a compose project up: each service created or updated, in dependency order, its
    /// replicas started concurrently. Before a service is applied, its `depends_on` conditions are
    /// waited for (`waitForDependency`, each at most `dependencyTimeout` seconds); a dependent whose
    /// dependency was recreated and says `restart: true` has its replicas restarted.
    /// `progress` hears one line per service. `pull` is called with each image first (a
    /// service's `image:`, and the FROM images of those it builds): the CLI pulls as `--pull` says.
    @discardableResult
    public func up(_ project: ComposeProject, dependencyTimeout: TimeInterval = Engine.defaultDependencyTimeout,
                   progress: (ScaleResult) -> Void = { _ in }, building: (String) -> Void = { _ in },
                   pull: (@Sendable (String) throws -> Void)? = nil) throws -> [ScaleResult] {
        if let pull {
            let built = Set(project.builds.map(\.service))
            for spec in project.services where !built.contains(spec.name) { try pull(spec.template.image) }
        }
        try buildMissingImages(project, progress: building, pullBase: pull)
        for spec in project.services { try validate(spec) }
        // Made after every check; a failure takes back the networks this call made (those a
        // replica already joined stay, with the half-made project, for `down`).
        let madeNetworks = try ensureNetworks(of: project)
        var results: [ScaleResult] = []
        do {
            try ensureVolumes(of: project)
            var recreated: Set<String> = []
            for spec in project.services {
                for dep in spec.dependsOn {
                    let condition = spec.dependencies?[dep]?.condition ?? .started
                    try waitForDependency(dep, of: spec.name, condition: condition, timeout: dependencyTimeout)
                }
                let result = try applyService(spec)
                if !result.removed.isEmpty && !result.created.isEmpty { recreated.insert(spec.name) }
                // compose's `restart: true`: a dependent left as it was restarts with its recreated dependency.
                let restartFor = spec.dependsOn.filter { recreated.contains($0) && spec.dependencies?[$0]?.restart == true }
                if !restartFor.isEmpty && !result.changed {
                    for r in replicas(of: spec.name).values where r.state.isRunning {
                        try restart(r.id, timeout: spec.stopTimeout)
                    }
                }
                progress(result)
                results.append(result)
            }
        } catch {
            for name in madeNetworks { try? removeNetwork(name) }
            throw error
        }
        return results
    }

    /// The stored services of a project, dependencies first.
    public func services(ofProject project: String) -> [ServiceSpec] {
        let specs = serviceStore.all().filter { $0.project == project }
        let names = specs.map(\.name)
        let deps = Dictionary(uniqueKeysWithValues: specs.map { spec in (spec.name, spec.dependsOn.filter(names.contains)) })
        let order = (try? DependencyOrder.sort(names, dependencies: deps)) ?? names
        let byName = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
        return order.compactMap { byName[$0] }
    }

    /// Removes every service of a project, dependents first, and any container still labelled
    /// with the project; with `volumes` (`down -v`) also its volumes.
    @discardableResult
    public func down(project: String, stopTimeout: Int? = nil, volumes: Bool = false,
                     progress: (ScaleResult) -> Void = { _ in }) throws -> [ScaleResult] {
        let anonymous = volumes ? anonymousVolumes(ofProject: project) : []
        defer { if volumes { removeVolumes(ofProject: project, anonymous: anonymous) } }
        var results: [ScaleResult] = []
        for spec in services(ofProject: project).reversed() {
            let result = try removeService(spec.name, stopTimeout: stopTimeout)
            progress(result)
            results.append(result)
        }
        let orphans = try list(all: true).filter { $0.labels[ServiceLabel.project] == project }
        if !orphans.isEmpty {
            _ = try removeReplicas(orphans, timeout: stopTimeout ?? ServiceSpec.defaultStopTimeout)
        }
        removeNetworks(ofProject: project)
        return results
    }

    /// Stops a project's replicas, keeping them: `berth up` in the foreground on Ctrl-C.
    public func stop(project: String, stopTimeout: Int? = nil) throws {
        for spec in services(ofProject: project).reversed() { try stopService(spec.name, stopTimeout: stopTimeout) }
    }
}

extension Engine {
    /// The networks the project's services are on: made when missing (labelled with the project,
    /// so `down` removes them), required when `external`. Returns the names of those it made.
    func ensureNetworks(of project: ComposeProject) throws -> [String] {
        var made: [String] = []
        let wanted = Set(project.services.filter { $0.template.network == .bridge }
            .flatMap { [$0.template.networkName].compactMap { $0 } + $0.template.extraNetworks.map(\.name) })
        for n in project.networks where wanted.contains(n.name) {
            if n.external {
                do { _ = try network(named: n.name) } catch {
                    throw BerthError.invalidArgument("networks.\(n.key): external network \(n.name.quoted) does not exist (berth network create \(n.name))")
                }
                continue
            }
            if (try? network(named: n.name)) != nil { continue }
            do {
                try createNetwork(name: n.name, subnets: [n.subnet, n.subnet6].compactMap { $0 },
                                  gateways: [n.gateway, n.gateway6].compactMap { $0 }, ipv6: n.enableIPv6, isInternal: n.internal,
                                  labels: n.labels.merging([ServiceLabel.project: project.name]) { $1 })
            } catch {
                for name in made { try? removeNetwork(name) }
                throw error
            }
            made.append(n.name)
        }
        return made
    }

    /// `down`: the networks `up` made for the project, once no container is on them (one still
    /// holding a container `network connect` put there stays, as compose leaves it).
    func removeNetworks(ofProject project: String) {
        for net in (try? networks()) ?? [] where net.labels?[ServiceLabel.project] == project {
            try? removeNetwork(net.name)
        }
    }
}
