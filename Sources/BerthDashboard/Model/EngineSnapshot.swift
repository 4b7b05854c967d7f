import BerthOS
import BerthRuntime
import Foundation

/// Everything one tick of the sampler read from the engine, taken together so the view never mixes
/// two ticks.
public struct EngineSnapshot: Sendable {
    public var containers: [ContainerInfo]
    public var stats: [ContainerStats]
    public var host: HostInfo
    /// Wall-clock time of the sample, for uptimes.
    public var takenAt: Date
    /// Set when listing failed; the previous rows stay on screen.
    public var error: String?
    /// Desired replicas by service name, for the group headers.
    public var desired: [String: Int]
    /// Autoscaling policies by service name, for the group headers.
    public var autoscale: [String: AutoscalePolicy] = [:]
    /// Over several hosts (`FleetSnapshot`): each host, in the order given; empty for one engine.
    public var hosts: [HostSample] = []
    /// Over several hosts: the host each container is on, by id.
    public var hostOf: [String: String] = [:]

    public init(containers: [ContainerInfo], stats: [ContainerStats], host: HostInfo, takenAt: Date, error: String? = nil,
                desired: [String: Int] = [:]) {
        self.containers = containers; self.stats = stats; self.host = host; self.takenAt = takenAt; self.error = error
        self.desired = desired
    }

    /// Reads one snapshot. A container can vanish between the list and the stats; it then simply has
    /// no stats this tick.
    public static func take(from engine: any ContainerEngine, now: Date = Date()) -> EngineSnapshot {
        // Several hosts: their streams' latest state, merged; nothing here waits for a host.
        if let source = engine as? any SnapshotSource { return source.snapshot(now: now) }
        let host = engine.hostInfo()
        do {
            let list = try engine.list(all: true)
            let services = engine.serviceTargets()
            var s = EngineSnapshot(containers: list, stats: engine.sampleStats(of: list), host: host, takenAt: now,
                                   desired: services.mapValues(\.replicas))
            s.autoscale = services.compactMapValues(\.autoscale)
            return s
        } catch {
            return EngineSnapshot(containers: [], stats: [], host: host, takenAt: now, error: "\(error)")
        }
    }
}

/// An engine that makes its snapshots itself rather than by listing and sampling (the dashboard
/// over several hosts, whose snapshot is the merge of each host's stream).
public protocol SnapshotSource: Sendable {
    func snapshot(now: Date) -> EngineSnapshot
}
