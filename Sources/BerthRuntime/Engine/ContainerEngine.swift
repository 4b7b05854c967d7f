import BerthOS
import Foundation

/// The operations a front end (CLI, dashboard) may use. `Engine` is the real implementation;
/// dashboard tests drive a fake. Every call is synchronous and thread-safe; callers that must not
/// block (the dashboard's input loop) call it from a background task.
public protocol ContainerEngine: Sendable {
    /// All containers (exited ones too when `all`), sorted by creation time, newest first.
    func list(all: Bool) throws -> [ContainerInfo]
    func inspect(_ ref: String) throws -> ContainerInfo
    /// One stats sample of every running container, in one pass.
    func sampleStats() -> [ContainerStats]
    /// Stats of the running containers of a listing the caller just took.
    func sampleStats(of containers: [ContainerInfo]) -> [ContainerStats]
    /// Desired replica counts of the services, by name (the dashboard's group headers).
    func desiredReplicas() -> [String: Int]
    /// Each service's desired replicas and autoscaling policy, in one read (the dashboard's headings).
    func serviceTargets() -> [String: ServiceTarget]
    /// Moves an autoscaled service's replica range (the dashboard's `+`/`-` on one).
    func setAutoscaleRange(_ service: String, min: Int, max: Int) throws
    func hostInfo() -> HostInfo

    func start(_ ref: String) throws
    /// SIGTERM, then SIGKILL after `timeout` seconds.
    func stop(_ ref: String, timeout: Int) throws
    func restart(_ ref: String, timeout: Int) throws
    func kill(_ ref: String, signal: Int32) throws
    func remove(_ ref: String, force: Bool) throws
    /// Freezes every process of the container (the freezer cgroup) / thaws them.
    func pause(_ ref: String) throws
    func unpause(_ ref: String) throws

    /// The last `limit` lines of the container's log, partial records joined (a `LogReader`
    /// reading the file's tail, not the whole file).
    func tailLogs(_ ref: String, limit: Int) throws -> [LogLine]
    /// Path of the container's CRI-format log file, for a `LogReader` that follows it.
    func logPath(_ ref: String) throws -> String
    /// The event journal, for the dashboard's timelines; nil for an engine that keeps none.
    func journal() -> EventJournal?
    /// The events as they happen, for the dashboard's events view and timelines: by default
    /// this host's journal read by an `EventReader`.
    func eventFeed() -> (any EventFeed)?

    /// The images, volumes and networks, for the dashboard's views of them (the reads `berth
    /// images`, `volume ls` and `network ls` make); empty for an engine without them.
    func imageSummaries() throws -> [ImageSummary]
    func volumeSummaries() throws -> [VolumeSummary]
    func networkSummaries() throws -> [NetworkSummary]
    /// `rmi` / `volume rm` / `network rm` of one, refused while a container uses it.
    func removeResource(_ kind: ResourceKind, _ name: String) throws
    /// Removes every unused one of a kind; what was removed, in words.
    func pruneResources(_ kind: ResourceKind) throws -> String
    /// One container's inspect document, indented (the dashboard's inspect view).
    func inspectDocument(_ ref: String) throws -> String
    /// The processes of a running container, by PID (the dashboard's processes view).
    func processSamples(_ ref: String) throws -> [ProcessSample]
    /// A signal to one process of a running container, refused for any process outside it.
    func signalProcess(_ ref: String, pid: Int32, signal: Int32) throws
    /// New limits (live on a running container) or restart policy: `berth update`.
    func update(_ ref: String, _ change: ContainerUpdate) throws
}

extension ContainerEngine {
    /// Desired replica counts of the services, by name; empty where services are unknown.
    public func desiredReplicas() -> [String: Int] { [:] }
    public func serviceTargets() -> [String: ServiceTarget] {
        desiredReplicas().mapValues { ServiceTarget(replicas: $0, autoscale: nil) }
    }
    public func setAutoscaleRange(_ service: String, min: Int, max: Int) throws {
        throw BerthError.unsupported("this engine does not autoscale services")
    }

    public func journal() -> EventJournal? { nil }
    public func eventFeed() -> (any EventFeed)? { journal().map(EventReader.init(journal:)) }

    public func imageSummaries() throws -> [ImageSummary] { [] }
    public func volumeSummaries() throws -> [VolumeSummary] { [] }
    public func networkSummaries() throws -> [NetworkSummary] { [] }
    public func removeResource(_ kind: ResourceKind, _ name: String) throws {
        throw BerthError.unsupported("this engine keeps no \(kind.rawValue)s")
    }
    public func pruneResources(_ kind: ResourceKind) throws -> String {
        throw BerthError.unsupported("this engine keeps no \(kind.rawValue)s")
    }
    /// Without a store (no record, config.json or files): docker's shape of what `ContainerInfo` holds.
    public func inspectDocument(_ ref: String) throws -> String {
        DockerInspect.value(DockerInspect.Input(info: try inspect(ref), record: nil, spec: nil, paths: nil, health: nil,
                                                networks: [:], volumesPrefix: "")).prettyJSON()
    }

    public func processSamples(_ ref: String) throws -> [ProcessSample] {
        throw BerthError.unsupported("this engine cannot list a container's processes")
    }
    public func signalProcess(_ ref: String, pid: Int32, signal: Int32) throws {
        throw BerthError.unsupported("this engine cannot signal a container's processes")
    }
    public func update(_ ref: String, _ change: ContainerUpdate) throws {
        throw BerthError.unsupported("this engine cannot change a container's limits")
    }

    public func sampleStats(of containers: [ContainerInfo]) -> [ContainerStats] {
        let running = Set(containers.filter { $0.state.status == .running }.map(\.id))
        return sampleStats().filter { running.contains($0.id) }
    }
}

/// What a service asks for: its replica count, and its autoscaling policy when it has one.
public struct ServiceTarget: Sendable, Equatable {
    public var replicas: Int
    public var autoscale: AutoscalePolicy?
    public init(replicas: Int, autoscale: AutoscalePolicy?) { self.replicas = replicas; self.autoscale = autoscale }
}

public enum LogStream: String, Codable, Sendable {
    case stdout, stderr
}

/// One line of a container's log, as the CRI log format stores it.
public struct LogLine: Codable, Sendable, Equatable {
    /// Unix time in nanoseconds.
    public var timestampNanos: Int64
    public var stream: LogStream
    /// False for a `P` (partial) record: the line continues in the next record.
    public var complete: Bool
    public var text: String

    public init(timestampNanos: Int64, stream: LogStream, complete: Bool = true, text: String) {
        self.timestampNanos = timestampNanos; self.stream = stream; self.complete = complete; self.text = text
    }
}
