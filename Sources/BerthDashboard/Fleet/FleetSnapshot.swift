import BerthOS
import BerthRuntime
import Foundation

/// Merges the latest state of each host's stream into one `EngineSnapshot`: pure, so the merged
/// view is tested without ssh. Service names become `HOST/SERVICE` (the heading shows the host,
/// and `web` on two hosts stays two services); container ids are the hosts' own (random, so two
/// hosts never share one); `hostOf` says which host each container is on.
public enum FleetSnapshot {
    /// The separator between a host and a service name; neither may contain it (`ResourceName`).
    public static let separator: Character = "/"

    public static func merge(_ hosts: [(name: String, state: StreamConnection.State)], now: Date) -> EngineSnapshot {
        var containers: [ContainerInfo] = [], stats: [ContainerStats] = []
        var desired: [String: Int] = [:], hostOf: [String: String] = [:]
        var samples: [HostSample] = []
        for (name, state) in hosts {
            samples.append(HostSample(name: name, info: state.snapshot?.host, lastSample: state.lastLine,
                                      unreachableSince: state.unreachableSince, problem: state.problem))
            guard let snap = state.snapshot else { continue }
            for var c in snap.containers {
                if let service = c.labels[ServiceLabel.service] { c.labels[ServiceLabel.service] = qualified(name, service) }
                hostOf[c.id] = name
                containers.append(c)
            }
            stats += snap.stats
            for (service, n) in snap.replicas { desired[qualified(name, service)] = n }
        }
        // Newest first across hosts, as one engine lists them.
        containers.sort { $0.created > $1.created }
        let first = samples.lazy.compactMap(\.info).first
        var snapshot = EngineSnapshot(containers: containers, stats: stats,
                                      host: first ?? HostInfo(hostname: "", kernel: "", cgroupVersion: "", cpuCount: 0,
                                                              memoryTotal: 0, memoryAvailable: 0, cpuBusyTicks: 0, cpuTotalTicks: 0),
                                      takenAt: now, desired: desired)
        snapshot.hosts = samples
        snapshot.hostOf = hostOf
        return snapshot
    }

    /// `b/web` for service `web` on host `b`.
    public static func qualified(_ host: String, _ service: String) -> String { host + String(separator) + service }

    /// The host and the service of a qualified name; nil for a name without a host.
    public static func split(_ qualified: String) -> (host: String, service: String)? {
        guard let i = qualified.firstIndex(of: separator) else { return nil }
        return (String(qualified[..<i]), String(qualified[qualified.index(after: i)...]))
    }
}
