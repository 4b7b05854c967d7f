import BerthOS
import Foundation
import Yams

/// A compose file turned into services, in start order.
public struct ComposeProject: Sendable, Equatable {
    public var name: String
    /// Dependencies before their dependents.
    public var services: [ServiceSpec]
    /// Keys Berth does not support and other things worth a word: printed, never fatal.
    public var warnings: [String]
    /// The top-level `volumes:`, by key.
    public var volumes: [ComposeVolume] = []
    /// The networks the services are on (the project's `default` included when used), by key.
    public var networks: [ComposeNetwork] = []
    /// The services' `build:` sections (ComposeBuild).
    public var builds: [ComposeBuild] = []
}

/// Reads the subset of the Compose spec Berth supports (see docs/services.md). Pure: no engine,
/// no file system. Unknown keys become warnings; invalid values throw an error that names the
/// key path, e.g. `services.web.deploy.replicas: expected an integer`.
public enum ComposeParser {
    public struct Options: Sendable {
        /// `-p NAME`; nil takes the file's top-level `name:`, else `defaultProjectName`.
        public var projectName: String?
        /// Used when the file has no `name:` and no `-p` was given (the file's directory name).
        public var defaultProjectName: String
        /// For `${VAR}` substitution and `environment` entries without a value.
        public var environment: [String: String]
        /// Given to every service's replicas (`--cgroup-parent`).
        public var cgroupParent: String?
        /// The compose file's directory: relative bind sources (`./data:/data`) resolve against it.
        public var baseDirectory: String?
        /// Reads an `env_file` (a path as the file gives it); nil refuses `env_file`, keeping the
        /// parser free of file access unless its caller (the CLI) lends it.
        public var readFile: (@Sendable (String) throws -> String)?

        public init(projectName: String? = nil, defaultProjectName: String = "default",
                    environment: [String: String] = ProcessInfo.processInfo.environment, cgroupParent: String? = nil) {
            self.projectName = projectName; self.defaultProjectName = defaultProjectName
            self.environment = environment; self.cgroupParent = cgroupParent
        }
    }

    public static func parse(_ text: String, options: Options = Options()) throws -> ComposeProject {
        var reader = Reader(environment: options.environment)
        reader.baseDirectory = options.baseDirectory
        reader.readFile = options.readFile
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw BerthError.invalidArgument("the compose file is empty") }
            root = node
        } catch let e as YamlError {
            throw BerthError.invalidArgument("invalid YAML: " + Reader.oneLine(e))
        }
        let top = try reader.mapping(root, "(top level)")
        var servicesNode: Node?
        var volumesNode: Node?
        var networksNode: Node?
        var fileName: String?
        for (key, value) in top {
            switch key {
            case "services": servicesNode = value
            case "name": fileName = try reader.string(value, "name")
            case "version": reader.warn("version: obsolete, ignored")
            case "volumes": volumesNode = value
            case "networks": networksNode = value
            default:
                if !key.hasPrefix("x-") { reader.warn("\(key): not supported, ignored") }
            }
        }
        // A name the user or the file gives must be valid as it is (docker's rule); only the
        // directory's name is normalised.
        let projectName = try (options.projectName ?? fileName).map(validateProjectName)
            ?? normalizeProjectName(options.defaultProjectName)
        guard let servicesNode else { throw BerthError.invalidArgument("services: missing (the file defines no services)") }
        if let volumesNode, !Reader.isNull(volumesNode) {
            reader.declaredVolumes = try reader.topLevelVolumes(volumesNode, project: projectName)
        }
        if let networksNode, !Reader.isNull(networksNode) {
            reader.declaredNetworks = try reader.topLevelNetworks(networksNode, project: projectName)
        }
        let entries = try reader.mapping(servicesNode, "services")
        var specs: [ServiceSpec] = []
        for (name, node) in entries {
            do { try ReplicaName.validateService(name) } catch {
                throw BerthError.invalidArgument("services.\(name): \(error.description)")
            }
            specs.append(try reader.service(name, node, project: projectName, cgroupParent: options.cgroupParent))
        }
        let names = specs.map(\.name)
        for spec in specs {
            for dep in spec.dependsOn where !names.contains(dep) {
                throw BerthError.invalidArgument("services.\(spec.name).depends_on: unknown service \(dep.quoted)")
            }
        }
        let order: [String]
        do {
            order = try DependencyOrder.sort(names, dependencies: Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0.dependsOn) }))
        } catch {
            throw BerthError.invalidArgument("services.\(error.path[0]).depends_on: \(error.description)")
        }
        let byName = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
        return ComposeProject(name: projectName, services: order.map { byName[$0]! }, warnings: reader.warnings,
                              volumes: reader.declaredVolumes.values.sorted { $0.key < $1.key },
                              networks: reader.usedNetworks.map { reader.declaredNetworks[$0]! }.sorted { $0.key < $1.key },
                              builds: reader.builds.sorted { $0.service < $1.service })
    }

    /// compose's rule: lowercase letters, digits, `-` and `_`, starting with a letter or digit.
    /// Upper case is lowered and other characters dropped, as compose does for directory names.
    /// An explicit project name (`-p`, the file's `name:`) must be a valid name as given —
    /// `[a-zA-Z0-9][a-zA-Z0-9_.-]*` — so `../x` is refused rather than quietly becoming `x`;
    /// it is then lowercased as every project name is.
    public static func validateProjectName(_ name: String) throws -> String {
        guard ResourceName.isValid(name, maximumLength: 63) else {
            throw BerthError.invalidArgument("invalid project name \(name.quoted): use letters, digits, '-' and '_', starting with a letter or digit")
        }
        return try normalizeProjectName(name)
    }

    public static func normalizeProjectName(_ raw: String) throws -> String {
        let name = String(raw.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        guard let first = name.first, first.isLetter || first.isNumber else {
            throw BerthError.invalidArgument("invalid project name \(raw.quoted): use lowercase letters, digits, '-' and '_', starting with a letter or digit")
        }
        return name
    }

    /// The default project name: the name of the directory holding the compose file.
    public static func defaultProjectName(forFile path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let url = URL(fileURLWithPath: absolute).standardizedFileURL.deletingLastPathComponent()
        let base = url.lastPathComponent
        return base.isEmpty || base == "/" ? "default" : base
    }
}

/// Walks the YAML tree with the key path at hand, collecting warnings. Internal, not private:
/// `ComposeVolumes.swift` extends it with the volume keys, `ComposeParser+RunOptions.swift` with
/// the run-option keys, `ComposeAutoscale.swift` with `x-berth-autoscale`.
struct Reader {
    let environment: [String: String]
    var warnings: [String] = []
    var baseDirectory: String?
    var declaredVolumes: [String: ComposeVolume] = [:]
    var declaredNetworks: [String: ComposeNetwork] = [:]
    /// Keys of the networks some service is on: those `up` makes.
    var usedNetworks: Set<String> = []
    var readFile: (@Sendable (String) throws -> String)?
    /// The service's `env_file` entries, put before its `environment` (which wins) once it is read.
    var envFileEntries: [String] = []
    /// Services' `build:` sections, as read.
    var builds: [ComposeBuild] = []

    init(environment: [String: String]) { self.environment = environment }

    mutating func warn(_ text: String) {
        if !warnings.contains(text) { warnings.append(text) }
    }

    static func oneLine(_ e: YamlError) -> String {
        switch e {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return "line \(mark.line): \(problem)"
        default:
            return String(describing: e).split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }

    // MARK: Node shapes

    func fail(_ path: String, _ message: String) -> BerthError { .invalidArgument("\(path): \(message)") }

    /// Mapping entries in file order, string keys only, `<<` merge keys expanded.
    func mapping(_ node: Node, _ path: String) throws -> [(String, Node)] {
        guard case .mapping(let m) = node else { throw fail(path, "expected a mapping") }
        var out: [(String, Node)] = []
        var merged: [(String, Node)] = []
        for (k, v) in m {
            guard case .scalar(let key) = k else { throw fail(path, "expected string keys") }
            if key.string == "<<" {
                let sources: [Node]
                if case .sequence(let s) = v { sources = Array(s) } else { sources = [v] }
                for source in sources { merged += try mapping(source, path) }
                continue
            }
            out.append((key.string, v))
        }
        // Explicit keys override merged ones, and an earlier merged mapping a later one (YAML's
        // merge-key rule): each key once, or `<<: [*a, *a]` would name a service twice.
        var seen = Set(out.map(\.0))
        return out + merged.filter { seen.insert($0.0).inserted }
    }

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// A scalar's text after `${VAR}` substitution (numbers and booleans as written).
    mutating func string(_ node: Node, _ path: String) throws -> String {
        guard case .scalar(let s) = node, !Self.isNull(node) else { throw fail(path, "expected a string") }
        return try interpolate(s.string, path)
    }

    mutating func interpolate(_ text: String, _ path: String) throws -> String {
        var missing: [String] = []
        let value: String
        do {
            value = try ComposeInterpolation.apply(text, environment: environment) { missing.append($0) }
        } catch {
            throw fail(path, error.message)
        }
        for name in missing { warn("\(path): variable \(name) is not set, using an empty string") }
        return value
    }

    mutating func integer(_ node: Node, _ path: String, minimum: Int = 0) throws -> Int {
        guard case .scalar = node, let n = Int(try string(node, path).trimmingCharacters(in: .whitespaces)) else {
            throw fail(path, "expected an integer")
        }
        guard n >= minimum else { throw fail(path, "must be \(minimum) or more") }
        return n
    }

    mutating func stringList(_ node: Node, _ path: String) throws -> [String] {
        guard case .sequence(let seq) = node else { throw fail(path, "expected a list") }
        return try seq.enumerated().map { i, item in try string(item, "\(path)[\(i)]") }
    }

    /// A command: a string split like a shell would, or a list of strings.
    mutating func command(_ node: Node, _ path: String) throws -> [String] {
        switch node {
        case .sequence: return try stringList(node, path)
        case .scalar:
            do { return try ShellWords.split(try string(node, path)) } catch let e as ShellWords.Failure {
                throw fail(path, e.message)
            }
        default: throw fail(path, "expected a string or a list of strings")
        }
    }

    /// `KEY=VALUE` entries from a list or a mapping; a key without a value takes the caller's
    /// environment, or is left out when unset there (compose's rule).
    mutating func environmentEntries(_ node: Node, _ path: String) throws -> [String] {
        var out: [String] = []
        switch node {
        case .sequence(let seq):
            for (i, item) in seq.enumerated() {
                let entry = try string(item, "\(path)[\(i)]")
                if entry.contains("=") {
                    guard entry.first != "=" else { throw fail("\(path)[\(i)]", "expected KEY=VALUE") }
                    out.append(entry)
                } else if let v = environment[entry] {
                    out.append(entry + "=" + v)
                }
            }
        case .mapping:
            for (key, value) in try mapping(node, path) {
                guard !key.isEmpty, !key.contains("=") else { throw fail("\(path).\(key)", "invalid variable name") }
                if Self.isNull(value) {
                    if let v = environment[key] { out.append(key + "=" + v) }
                    continue
                }
                guard case .scalar = value else { throw fail("\(path).\(key)", "expected a string, number or boolean") }
                out.append(key + "=" + (try string(value, "\(path).\(key)")))
            }
        default:
            throw fail(path, "expected a list of KEY=VALUE or a mapping")
        }
        return out
    }

    mutating func labels(_ node: Node, _ path: String) throws -> [String: String] {
        var out: [String: String] = [:]
        if case .sequence = node {
            for entry in try stringList(node, path) {
                let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                out[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            return out
        }
        for (key, value) in try mapping(node, path) {
            out[key] = Self.isNull(value) ? "" : try string(value, "\(path).\(key)")
        }
        return out
    }

    mutating func memory(_ node: Node, _ path: String) throws -> Int64 {
        let text = try string(node, path)
        do { return try ByteSize.parse(text) } catch { throw fail(path, error.description) }
    }

    mutating func cpus(_ node: Node, _ path: String) throws -> Double {
        let text = try string(node, path)
        // The number only: its range is LimitRules' rule, checked with the other limits below.
        do { return try CPUs.number(text) } catch {
            throw fail(path, "expected a number of CPUs such as 0.5 or 2, not \(text.quoted)")
        }
    }

    // MARK: Services

    mutating func service(_ name: String, _ node: Node, project: String, cgroupParent: String?) throws -> ServiceSpec {
        let base = "services.\(name)"
        if Self.isNull(node) { throw fail(base, "expected a mapping (at least an image)") }
        var template = ServiceSpec.template(image: "", cgroupParent: cgroupParent)
        var replicas: Int?
        var memLimit: Int64?, deployMemory: Int64?
        var cpusTop: Double?, deployCPUs: Double?
        var dependsOn: [String] = []
        var dependencies: [String: ServiceDependency] = [:]
        /// `network_mode: service:NAME`: a dependency too, as compose makes it.
        var networkService: String?
        var ports: [String] = []
        var stopTimeout = ServiceSpec.defaultStopTimeout
        var hasImage = false
        var build: ComposeBuild?
        var networkMode: String?
        var networkEntries: [(key: String, aliases: [String], ip: String?)]?
        var autoscale: AutoscalePolicy?
        var limitPaths: [LimitRules.Field: String] = [:]
        for (key, value) in try mapping(node, base) {
            let path = "\(base).\(key)"
            switch key {
            case "image":
                template.image = try string(value, path)
                guard !template.image.isEmpty else { throw fail(path, "must not be empty") }
                hasImage = true
            case "build": build = try self.build(value, path, service: name)
            case "command": template.command = try command(value, path)
            case "entrypoint": template.entrypoint = try command(value, path)
            case "environment": template.env = try environmentEntries(value, path)
            case "working_dir":
                let dir = try string(value, path)
                guard dir.hasPrefix("/") else { throw fail(path, "expected an absolute path") }
                template.workingDir = dir
            case "user": template.user = try string(value, path)
            case "hostname":
                let h = try string(value, path)
                guard Engine.isValidHostname(h) else { throw fail(path, "invalid hostname \(h.quoted)") }
                template.hostname = h
            case "restart":
                let text = try string(value, path)
                do { template.restartPolicy = try RestartPolicy(parsing: text) } catch {
                    throw fail(path, "expected no, always, unless-stopped or on-failure[:N], not \(text.quoted)")
                }
            case "mem_limit": memLimit = try memory(value, path)
            case "cpus": cpusTop = try cpus(value, path)
            case "scale": replicas = try integer(value, path)
            case "deploy":
                for (dkey, dvalue) in try mapping(value, path) {
                    let dpath = "\(path).\(dkey)"
                    switch dkey {
                    case "replicas": replicas = try integer(dvalue, dpath)
                    case "resources":
                        for (rkey, rvalue) in try mapping(dvalue, dpath) {
                            let rpath = "\(dpath).\(rkey)"
                            if rkey == "reservations" {
                                for (lkey, lvalue) in try mapping(rvalue, rpath) {
                                    let lpath = "\(rpath).\(lkey)"
                                    guard lkey == "memory" else { warn("\(lpath): not supported, ignored"); continue }
                                    template.limits.memoryReservation = try memory(lvalue, lpath)
                                    limitPaths[.memoryReservation] = lpath
                                }
                                continue
                            }
                            guard rkey == "limits" else { warn("\(rpath): not supported, ignored"); continue }
                            for (lkey, lvalue) in try mapping(rvalue, rpath) {
                                let lpath = "\(rpath).\(lkey)"
                                switch lkey {
                                case "memory": deployMemory = try memory(lvalue, lpath)
                                case "cpus": deployCPUs = try cpus(lvalue, lpath)
                                case "pids": template.limits.pidsLimit = try integer(lvalue, lpath, minimum: .min)
                                default: warn("\(lpath): not supported, ignored")
                                }
                            }
                        }
                    default: warn("\(dpath): not supported, ignored")
                    }
                }
            case "depends_on":
                switch value {
                case .sequence: dependsOn = try stringList(value, path)
                case .mapping:
                    for (dep, entry) in try mapping(value, path) {
                        dependsOn.append(dep)
                        let d = try dependency(entry, "\(path).\(dep)")
                        if d != ServiceDependency() { dependencies[dep] = d }
                    }
                default: throw fail(path, "expected a list of services or a mapping")
                }
                if dependsOn.contains(name) { throw fail(path, "dependency cycle: \(name) -> \(name)") }
            case "ports":
                guard case .sequence(let seq) = value else { throw fail(path, "expected a list") }
                for (i, item) in seq.enumerated() {
                    guard case .scalar = item else { throw fail("\(path)[\(i)]", "expected a string such as \"8080:80\" (the long syntax is not supported)") }
                    let text = try string(item, "\(path)[\(i)]")
                    do { _ = try PortMapping.parse(text) } catch let e as BerthError { throw fail("\(path)[\(i)]", e.description) }
                    ports.append(text)
                }
            case "labels": template.labels = try labels(value, path)
            case "volumes": template.mounts += try serviceVolumes(value, path)
            case "stop_grace_period":
                let text = try string(value, path)
                let seconds: Double
                do { seconds = try DurationParser.parseDuration(text).rounded(.up) } catch {
                    throw fail(path, "expected a duration such as 10s or 1m30s, not \(text.quoted)")
                }
                guard seconds >= 0 else { throw fail(path, "must not be negative") }
                // The supervisor counts the grace period in int64 nanoseconds: bounded well before that overflows.
                guard seconds <= Double(Int32.max) else { throw fail(path, "must be at most \(Int32.max) seconds") }
                stopTimeout = Int(seconds)
            case "network_mode":
                let text = try string(value, path)
                if let mode = NetworkMode.named(text) {
                    template.network = mode
                } else if let target = try composeNetworkContainer(text, path, service: name) {
                    template.network = .container
                    template.networkContainer = target.container
                    networkService = target.service
                } else {
                    throw fail(path, "expected none, host, bridge or container:NAME, not \(text.quoted)")
                }
                networkMode = text
            case "networks": networkEntries = try serviceNetworks(value, path)
            case "x-berth-autoscale": autoscale = try self.autoscale(value, path)
            default:
                if try limitKey(key, value, path, &template.limits, &limitPaths) { continue }
                if try runOption(key, value, path, &template.options) { continue }
                if !key.hasPrefix("x-") { warn("\(path): not supported, ignored") }
            }
        }
        template.env = envFileEntries + template.env
        envFileEntries = []
        try placeOnNetworks(&template, mode: networkMode, entries: networkEntries, base: base, project: project)
        // The engine's rules for them, reported at the service (`berth run` reports them alike).
        do { try RunOptionRules.check(template.options, network: template.network) } catch { throw fail(base, error.description) }
        if var build {
            // compose's default name for a built image: PROJECT-SERVICE.
            if !hasImage { template.image = "\(project)-\(name)".lowercased() }
            do { build.image = try ImageReference(parsing: template.image) } catch let e as BerthError { throw fail("\(base).image", e.description) }
            builds.append(build)
            hasImage = true
        }
        guard hasImage else { throw fail("\(base).image", "missing (every service needs an image or a build)") }
        if let a = memLimit, let b = deployMemory, a != b {
            throw fail("\(base).mem_limit", "conflicts with deploy.resources.limits.memory")
        }
        if let a = cpusTop, let b = deployCPUs, a != b {
            throw fail("\(base).cpus", "conflicts with deploy.resources.limits.cpus")
        }
        if !ports.isEmpty && template.network != .bridge {
            throw fail("\(base).ports", "publishing ports needs the bridge network, not network_mode \(template.network.rawValue)")
        }
        template.limits.memory = deployMemory ?? memLimit
        template.limits.cpus = deployCPUs ?? cpusTop
        // The engine's one validator, so a file fails as `berth run` does, at the key that set the value.
        do { try LimitRules.check(template.limits) } catch {
            let limits = "\(base).deploy.resources.limits"
            let path: String
            switch error.field {
            case .memory: path = deployMemory != nil ? "\(limits).memory" : "\(base).mem_limit"
            case .pidsLimit: path = "\(limits).pids"
            case .cpus where template.limits.cpus != nil && (template.limits.cpuPeriod != nil || template.limits.cpuQuota != nil):
                path = limitPaths[.cpuQuota] ?? limitPaths[.cpuPeriod] ?? base
            case .cpus: path = deployCPUs != nil ? "\(limits).cpus" : "\(base).cpus"
            default: path = limitPaths[error.field] ?? base
            }
            throw fail(path, error.message)
        }
        if let networkService, !dependsOn.contains(networkService) { dependsOn.append(networkService) }
        var spec = ServiceSpec(name: name, template: template, replicas: replicas ?? 1, dependsOn: dependsOn,
                               ports: ports, project: project, stopTimeout: stopTimeout)
        spec.dependencies = dependencies.isEmpty ? nil : dependencies
        spec.autoscale = autoscale
        return spec
    }

    /// `network_mode: container:NAME`, or `service:NAME`: the service's first replica
    /// (`NAME-1`, compose's first container), and the service a dependency.
    private func composeNetworkContainer(_ text: String, _ path: String, service: String) throws -> (container: String, service: String?)? {
        if text.hasPrefix("service:") {
            let other = String(text.dropFirst("service:".count))
            do { try ReplicaName.validateService(other) } catch { throw fail(path, error.description) }
            guard other != service else { throw fail(path, "a service cannot join its own network") }
            return (ReplicaName.name(service: other, index: 1), other)
        }
        do { return try ContainerRequest.networkContainer(text).map { ($0, nil) } } catch { throw fail(path, error.description) }
    }

    /// compose's rule: `network_mode` (none, host, or bridge: the root's default network) or
    /// `networks:`, not both; neither puts the service on the project's `default` network.
    private mutating func placeOnNetworks(_ template: inout ContainerRequest, mode: String?,
                                          entries: [(key: String, aliases: [String], ip: String?)]?, base: String, project: String) throws {
        if let mode {
            if entries != nil { throw fail("\(base).networks", "conflicts with network_mode \(mode)") }
            return
        }
        let chosen = entries ?? [("default", [], nil)]
        guard let first = chosen.first else { throw fail("\(base).networks", "names no network") }
        for e in chosen { usedNetworks.insert(e.key) }
        template.network = .bridge
        template.networkName = composeNetwork(first.key, project: project).name
        template.networkAliases = first.aliases
        template.ipAddress = first.ip
        template.extraNetworks = chosen.dropFirst().map {
            NetworkChoice(name: composeNetwork($0.key, project: project).name, aliases: $0.aliases, ipAddress: $0.ip)
        }
    }
}
