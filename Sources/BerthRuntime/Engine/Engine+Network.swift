import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The network verbs of the façade (the work is `BridgeNetworkStore`'s), and the /etc/hosts of the
/// containers on the bridge, which needs the containers' records.
extension Engine {
    /// The root's bridge network, defined on first use.
    public func bridgeNetwork() throws -> BridgeNetwork { try bridgeStore.network() }

    public func bridgeInterfaceExists() -> Bool { bridgeStore.interfaceExists() }

    /// Removes the bridge interface and the network's state; refused while containers use it.
    public func removeBridgeNetwork() throws {
        let users = try list(all: true).filter { $0.network == .bridge }.map(\.name)
        guard users.isEmpty else {
            throw BerthError.invalidState("network bridge is used by \(users.joined(separator: ", ")); remove them first")
        }
        try bridgeStore.remove()
    }

    /// Rewrites the /etc/hosts of every container on the bridge, in place: the file is
    /// bind-mounted into running containers, so it must stay the same inode.
    func refreshHostsFiles() {
        let members = store.containerIDs().compactMap { store.record($0) }.filter { $0.network == .bridge && $0.ipAddress != nil }
            .sorted { $0.name < $1.name }
        var replicas: [String: [ContainerRecord]] = [:]
        // A service name becomes a hosts entry: only a valid one (a label set by hand could hold anything).
        for r in members {
            if let s = r.labels["berth.service"], ResourceName.isValid(s) { replicas[s, default: []].append(r) }
        }
        // Each member's address and own names, once per refresh (its hostname is in config.json):
        // only the service alias below differs from one reader to the next.
        let own = members.compactMap { r -> (record: ContainerRecord, entry: HostsFile.Entry)? in
            guard let ip = r.ipAddress.flatMap(IPv4Address.init) else { return nil }
            var names = [r.name]
            if let hostname = store.specSummary(r.id)?.hostname, hostname != r.name { names.append(hostname) }
            return (r, HostsFile.Entry(ip: ip, names: names))
        }
        for (position, reader) in members.enumerated() {
            // The service name is an alias of one replica per reader, the next one for the next
            // reader: resolvers take the first match, so this spreads clients over the replicas
            // instead of sending them all to the first.
            var aliasHolder: [String: String] = [:]
            for (service, list) in replicas { aliasHolder[service] = list[position % list.count].id }
            let entries = own.map { member -> HostsFile.Entry in
                var entry = member.entry
                if let service = member.record.labels["berth.service"], ResourceName.isValid(service), service != member.record.name,
                   aliasHolder[service] == member.record.id { entry.names.append(service) }
                return entry
            }
            let extra = Self.extraHostsLines(store.specSummary(reader.id)?.annotations)
            let text = Array((HostsFile.render(entries: entries) + extra).utf8)
            let fd = open(store.paths(reader.id).hosts, O_WRONLY | O_TRUNC | O_CLOEXEC)
            guard fd >= 0 else { continue }
            _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
    }
}
