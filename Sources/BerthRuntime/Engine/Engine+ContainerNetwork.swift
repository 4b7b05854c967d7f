import BerthOS
import Foundation

/// `--network container:NAME` (docker's meaning): the container joins the network namespace of
/// another container's init at each start — no interface, address, lease or DNS server of its
/// own; that container's /etc/hosts, /etc/resolv.conf and hostname (copied at create).
///
/// The namespace is joined by the supervisor (`berth-shim`, `net_join_*` in the plan), which
/// opens `/proc/PID/ns/net` before it clones the init and then checks that PID is still the
/// other container's init (its start time and its parent, the other's supervisor), so a PID
/// reused meanwhile is refused rather than joined.
extension Engine {
    /// The container a `container:NAME` request joins, and its hostname (the joiner's).
    struct JoinedContainer {
        var record: ContainerRecord
        var hostname: String?
    }

    /// Resolves the other container and refuses what docker refuses with this mode, each in one
    /// line before anything is made.
    func networkContainer(for request: ContainerRequest) throws -> JoinedContainer {
        guard let ref = request.networkContainer else {
            throw BerthError.invalidArgument("--network container needs a container: container:NAME or container:ID")
        }
        let o = request.options
        let conflict: String? =
            request.hostname != nil ? "hostname" :
            !(o.dns.isEmpty && o.dnsSearch.isEmpty && o.dnsOptions.isEmpty) ? "dns" :
            !o.extraHosts.isEmpty ? "custom host-to-IP mapping" :
            !request.ports.isEmpty ? "port publishing" :
            request.publishAll || !request.exposedPorts.isEmpty ? "port exposing" :
            !request.networkAliases.isEmpty ? "network-alias" :
            request.ipAddress != nil ? "ip" :
            request.ipv6Address != nil ? "ip6" :
            request.networkName != nil || !request.extraNetworks.isEmpty ? "more networks" : nil
        if let conflict {
            throw BerthError.invalidArgument("conflicting options: \(conflict) and the network mode container:\(ref)")
        }
        let target = try resolve(ref)
        return JoinedContainer(record: target, hostname: try store.storedSpec(target.id)?.hostname)
    }

    /// docker's joiner reads the other's hosts, resolv.conf and hostname: copies of them, so a
    /// joiner keeps readable files when the other is removed (it cannot start again then).
    func copyEtcFiles(of target: ContainerRecord, to p: ContainerPaths) throws {
        let from = store.paths(target.id)
        for (source, destination) in [(from.hosts, p.hosts), (from.resolvConf, p.resolvConf), (from.hostname, p.hostname)] {
            guard let text = FileIO.readString(source) else {
                throw BerthError.invalidState("container \(target.name) has no \(source.split(separator: "/").last ?? "") file to share")
            }
            try FileIO.writeAtomically(destination, string: text)
        }
    }

    /// What the supervisor needs to join the other container's namespace at this start: its
    /// init's PID, start time and parent. The other must be running now.
    func planNetworkJoin(_ r: ContainerRecord) throws -> LaunchPlan.NetworkJoin {
        guard let id = r.networkContainer else {
            throw BerthError.corruptState("container \(r.name) has --network container but names no container")
        }
        let target: ContainerRecord
        do { target = try resolve(id) } catch BerthError.noSuchContainer(_) {
            throw BerthError.invalidState("cannot join the network of container \(id.prefix(12)): it was removed (create \(r.name) again with another --network)")
        }
        guard target.id != r.id else { throw BerthError.corruptState("container \(r.name) names itself in --network container") }
        guard let s = store.shimStatus(target.id), s.status == "running", let pid = s.pid, let supervisor = s.shimPid,
              store.shimAlive(s), let start = ProcStat.startTime(pid: pid) else {
            throw BerthError.invalidState("cannot join the network of container \(target.name): it is not running")
        }
        return LaunchPlan.NetworkJoin(pid: pid, startTime: start, parent: supervisor)
    }
}
