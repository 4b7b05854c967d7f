import BerthOS
import Foundation

/// A service: a container template plus a replica count. Stored in `<root>/services/<name>.json`;
/// its replicas are ordinary containers named `NAME-N` and labelled with the service.
public struct ServiceSpec: Codable, Sendable, Equatable {
    public var name: String
    /// What every replica is created from: a `ContainerRequest` without a name (each replica's name,
    /// labels and published ports are added by `replicaRequest`).
    public var template: ContainerRequest
    /// The desired number of replicas.
    public var replicas: Int
    /// Services to start first (compose's `depends_on`); informational once created.
    public var dependsOn: [String]
    /// The long syntax's conditions by dependency (nil, or a dependency missing here: `service_started`);
    /// optional so service files of older versions decode.
    public var dependencies: [String: ServiceDependency]?
    /// `[IP:]HOSTPORT:CONTAINERPORT` strings, passed to each replica once port publishing lands.
    public var ports: [String]
    /// The compose project that owns the service, if any (`berth down` removes a project's services).
    public var project: String?
    /// Seconds between SIGTERM and SIGKILL when a replica is stopped (compose's `stop_grace_period`).
    public var stopTimeout: Int
    /// How the count follows the load (`berth service autoscale`, compose `x-berth-autoscale:`);
    /// nil when only people change it. Optional, so service files of older versions decode.
    public var autoscale: AutoscalePolicy?
    public var created: Date

    public static let defaultStopTimeout = 10
    /// Replicas join Berth's bridge unless the template says otherwise, so they find each other by name.
    public static let defaultNetwork: NetworkMode = .bridge
    /// A replica that dies comes back unless the service says otherwise (docker service's `any`).
    public static let defaultRestartPolicy: RestartPolicy = .always

    /// A template with the services' defaults (bridge network, restart always) and no name.
    public static func template(image: String, command: [String] = [], cgroupParent: String? = nil) -> ContainerRequest {
        ContainerRequest(image: image, command: command, restartPolicy: defaultRestartPolicy, network: defaultNetwork,
                         cgroupParent: cgroupParent)
    }

    public init(name: String, template: ContainerRequest, replicas: Int = 1, dependsOn: [String] = [],
                ports: [String] = [], project: String? = nil, stopTimeout: Int = ServiceSpec.defaultStopTimeout,
                created: Date = Date()) {
        self.name = name; self.template = template; self.replicas = replicas; self.dependsOn = dependsOn
        self.ports = ports; self.project = project; self.stopTimeout = stopTimeout; self.created = created
    }

    /// The published ports, parsed. Only replica 1 publishes them: a host port can be bound once.
    public func publishedPorts() throws -> [PortMapping] {
        try PortMapping.parse(all: ports)
    }

    /// The request that creates replica `index`: the template, named `NAME-N` and labelled with the
    /// service; only replica 1 publishes the ports.
    public func replicaRequest(index: Int) throws -> ContainerRequest {
        var r = template
        r.name = ReplicaName.name(service: name, index: index)
        r.labels[ServiceLabel.service] = name
        r.labels[ServiceLabel.replica] = String(index)
        if let project { r.labels[ServiceLabel.project] = project }
        r.autoRemove = false
        r.ports = index == 1 ? try publishedPorts() : []
        return r
    }

    /// The same service apart from its replica count, autoscaling and creation time: when this differs on
    /// `berth up`, the replicas are recreated.
    public func sameDefinition(as other: ServiceSpec) -> Bool {
        var a = self, b = other
        a.replicas = 0; b.replicas = 0
        a.created = .distantPast; b.created = .distantPast
        // A new range or target changes how many replicas run, not what each one is.
        a.autoscale = nil; b.autoscale = nil
        return a == b
    }
}

/// The labels that tie a container to its service.
public enum ServiceLabel {
    public static let service = "berth.service"
    public static let replica = "berth.replica"
    public static let project = "berth.project"
}

/// Replica names: `SERVICE-N`, N counted from 1.
public enum ReplicaName {
    public static func name(service: String, index: Int) -> String { "\(service)-\(index)" }

    /// N of `SERVICE-N`, or nil when `name` is not a replica name of `service`.
    public static func index(of name: String, service: String) -> Int? {
        guard name.hasPrefix(service + "-") else { return nil }
        let digits = name.dropFirst(service.count + 1)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), digits.first != "0", let n = Int(digits) else { return nil }
        return n
    }

    /// The replica number of a container: its `berth.replica` label, else parsed from its name.
    public static func index(of info: ContainerInfo, service: String) -> Int? {
        if let text = info.labels[ServiceLabel.replica], let n = Int(text), n > 0 { return n }
        return index(of: info.name, service: service)
    }

    /// The indices a service of `count` replicas should have, given those that exist: the
    /// lowest `count` existing ones are kept, gaps and new slots are filled from the lowest free
    /// number. Returns (indices to create, indices to remove), the removals highest first.
    public static func plan(existing: [Int], desired count: Int) -> (create: [Int], remove: [Int]) {
        let sorted = Array(Set(existing)).sorted()
        let keep = Array(sorted.prefix(max(count, 0)))
        let remove = Array(sorted.dropFirst(max(count, 0)).reversed())
        var create: [Int] = []
        var taken = Set(keep)
        var next = 1
        while keep.count + create.count < count {
            if !taken.contains(next) { create.append(next); taken.insert(next) }
            next += 1
        }
        return (create, remove)
    }

    /// Service names follow container-name rules (the replica names must be valid container
    /// names and host names) and may not contain `=` or `.`, which `scale` and DNS would misread.
    public static func validateService(_ name: String) throws(BerthError) {
        let ok = !name.isEmpty && name.count <= 63 && name.first!.isASCII && (name.first!.isLetter || name.first!.isNumber)
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        guard ok else {
            throw .invalidArgument("invalid service name \(name.quoted): expected letters, digits, '_' or '-', starting with a letter or digit, at most 63 characters")
        }
    }
}
