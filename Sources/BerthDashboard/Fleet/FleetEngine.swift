import BerthOS
import BerthRuntime
import Foundation
import Synchronization

/// The dashboard over several hosts (`berth top --context a --context b`) as one `ContainerEngine`:
/// what it shows is the merge of each host's `berth system stream` (one `StreamConnection` each, on
/// its own thread), read without waiting (`SnapshotSource`); what it does goes to the container's
/// own host as a `berth --context HOST VERB …` command (`run`, supplied by the CLI), on the
/// action runner's queue. A host that does not answer never stalls the merge or the other hosts.
public final class FleetEngine: ContainerEngine, SnapshotSource {
    public struct Host: Sendable {
        public var name: String
        public var connection: StreamConnection
        public init(name: String, connection: StreamConnection) { self.name = name; self.connection = connection }
    }

    /// Runs `berth --context HOST ARGS…` and returns its standard output; throws with its last
    /// line of standard error when it fails.
    public typealias Command = @Sendable (_ host: String, _ arguments: [String]) throws -> String

    public let hosts: [Host]
    private let run: Command
    /// The last merged snapshot's container → host map, for routing actions.
    private let hostOf = Mutex<[String: String]>([:])
    /// Remote logs: the last tail read per container, refreshed in the background.
    private let logs = Mutex<[String: RemoteTail]>([:])
    /// How often a remote container's log tail is read again while the logs pane shows it.
    static let logRefresh = 2.0

    private struct RemoteTail {
        var lines: [LogLine] = []
        var fetched: Date = .distantPast
        var running = false
    }

    public init(hosts: [Host], run: @escaping Command) {
        self.hosts = hosts
        self.run = run
    }

    public func start() { for h in hosts { h.connection.start() } }
    /// Ends every stream at once (each closes its ssh; one slow to end does not hold the others).
    public func stop() {
        DispatchQueue.concurrentPerform(iterations: hosts.count) { hosts[$0].connection.stop(timeout: 3) }
    }

    public func snapshot(now: Date) -> EngineSnapshot {
        let merged = FleetSnapshot.merge(hosts.map { ($0.name, $0.connection.current) }, now: now)
        hostOf.withLock { $0 = merged.hostOf }
        return merged
    }

    /// The host a container is on, by id (from the last snapshot).
    public func host(of id: String) throws -> String {
        guard let h = hostOf.withLock({ $0[id] }) else {
            throw BerthError.noSuchContainer(id)
        }
        return h
    }

    /// Runs a verb on the container's host.
    private func on(_ id: String, _ arguments: [String]) throws -> String {
        try run(try host(of: id), arguments)
    }

    // MARK: reads (from the streams)

    public func list(all: Bool) throws -> [ContainerInfo] {
        snapshot(now: Date()).containers.filter { all || $0.state.isRunning }
    }

    public func inspect(_ ref: String) throws -> ContainerInfo {
        guard let c = try list(all: true).first(where: { $0.id == ref }) else {
            throw BerthError.noSuchContainer(ref)
        }
        return c
    }

    public func sampleStats() -> [ContainerStats] { snapshot(now: Date()).stats }
    public func sampleStats(of containers: [ContainerInfo]) -> [ContainerStats] {
        let ids = Set(containers.map(\.id))
        return sampleStats().filter { ids.contains($0.id) }
    }
    public func desiredReplicas() -> [String: Int] { snapshot(now: Date()).desired }
    public func hostInfo() -> HostInfo { snapshot(now: Date()).host }

    // MARK: actions (on the container's host)

    public func start(_ ref: String) throws { _ = try on(ref, ["start", ref]) }
    public func stop(_ ref: String, timeout: Int) throws { _ = try on(ref, ["stop", "-t", "\(timeout)", ref]) }
    public func restart(_ ref: String, timeout: Int) throws { _ = try on(ref, ["restart", "-t", "\(timeout)", ref]) }
    public func kill(_ ref: String, signal: Int32) throws { _ = try on(ref, ["kill", "-s", "\(signal)", ref]) }
    public func remove(_ ref: String, force: Bool) throws { _ = try on(ref, ["rm"] + (force ? ["-f"] : []) + [ref]) }
    public func pause(_ ref: String) throws { _ = try on(ref, ["pause", ref]) }
    public func unpause(_ ref: String) throws { _ = try on(ref, ["unpause", ref]) }

    /// `SERVICE` on `HOST`, from the dashboard's `HOST/SERVICE`.
    public func scale(_ qualified: String, to replicas: Int) throws {
        guard let (host, service) = FleetSnapshot.split(qualified), hosts.contains(where: { $0.name == host }) else {
            throw BerthError.invalidArgument("no host in service name \(qualified.quoted)")
        }
        _ = try run(host, ["scale", "\(service)=\(replicas)"])
    }

    public func inspectDocument(_ ref: String) throws -> String { try on(ref, ["inspect", ref]) }

    /// Live limits (`u`) through `berth update` on the container's host.
    public func update(_ ref: String, _ change: ContainerUpdate) throws {
        guard !change.isEmpty else { throw BerthError.invalidArgument("update needs at least one setting to change") }
        _ = try on(ref, ["update"] + change.flags + [ref])
    }

    /// A stream carries no process lists: the processes view names the command that shows them.
    public func processSamples(_ ref: String) throws -> [ProcessSample] {
        let host = try host(of: ref)
        throw BerthError.unsupported("the processes of a container on host \(host) are listed with `berth --context \(host) top \(ref)`")
    }

    // MARK: events

    /// The events each host's stream carries from the moment it connected (a stream sends new
    /// events only: there is no replay of a remote journal), merged by time, each container named
    /// `HOST/NAME` and its host in the `host` attribute.
    public func eventFeed() -> (any EventFeed)? { FleetEventFeed(hosts: hosts) }

    // MARK: logs

    /// No file here to follow: the logs pane re-reads the tail instead (`LogsFeed`).
    public func logPath(_ ref: String) throws -> String {
        throw BerthError.unsupported("the log of a container on another host is read with `berth logs`")
    }

    /// The last tail read from the container's host, at once; read again in the background at most
    /// every `logRefresh` seconds, so the sampler thread never waits for a host.
    public func tailLogs(_ ref: String, limit: Int) throws -> [LogLine] {
        let (lines, due) = logs.withLock { all -> ([LogLine], Bool) in
            var t = all[ref] ?? RemoteTail()
            let due = !t.running && Date().timeIntervalSince(t.fetched) >= Self.logRefresh
            if due { t.running = true }
            all[ref] = t
            return (t.lines, due)
        }
        if due {
            DispatchQueue.global().async { [self] in
                let text = try? on(ref, ["logs", "--tail", "\(limit)", "--timestamps", ref])
                let read = text.map { Self.logLines($0) }
                logs.withLock { all in
                    // Only the containers still followed keep a tail.
                    all[ref]?.running = false
                    all[ref]?.fetched = Date()
                    if let read { all[ref]?.lines = read }
                }
            }
        }
        return lines
    }

    /// `berth logs --timestamps` output (`TIME TEXT` per line) as log lines.
    static func logLines(_ text: String) -> [LogLine] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0).map { line in
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, let t = Timestamp(rfc3339: String(parts[0])) {
                return LogLine(timestampNanos: t.unixNanoseconds ?? 0, stream: .stdout, text: String(parts[1]))
            }
            return LogLine(timestampNanos: 0, stream: .stdout, text: String(line))
        }
    }
}

/// The merged events of several hosts' streams (`FleetEngine.eventFeed`).
final class FleetEventFeed: EventFeed {
    let hosts: [FleetEngine.Host]

    init(hosts: [FleetEngine.Host]) { self.hosts = hosts }

    func open(replay: Bool) -> [Event] {
        let now = poll()
        return replay ? now : []
    }

    func poll() -> [Event] { Self.merge(hosts.map { ($0.name, $0.connection.takeEvents()) }) }

    /// Each host's events named `HOST/NAME` with a `host` attribute, in time order (a host's own
    /// order kept for equal times).
    static func merge(_ perHost: [(host: String, events: [Event])]) -> [Event] {
        var merged: [Event] = []
        for (host, events) in perHost {
            for var e in events {
                e.name = FleetSnapshot.qualified(host, e.name)
                e.attributes["host"] = host
                merged.append(e)
            }
        }
        return merged.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    }
}
