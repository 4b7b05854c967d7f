import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    var networksDirectory: String { root + "/networks" }
    var networkLock: String { networksDirectory + "/bridge.lock" }
    var leasesPath: String { networksDirectory + "/bridge.leases" }

    /// The root's bridge network, defined on first use.
    public func bridgeNetwork() throws -> BridgeNetwork {
        let path = networksDirectory + "/bridge.json"
        if let data = FileIO.read(path), let n = try? JSONDecoder().decode(BridgeNetwork.self, from: Data(data)) { return n }
        try FileIO.mkdirs(networksDirectory, mode: 0o700)
        return try FileLock.with(networkLock) {
            if let data = FileIO.read(path), let n = try? JSONDecoder().decode(BridgeNetwork.self, from: Data(data)) { return n }
            let n = try BridgeNetwork.defaults(root: root, subnetOverride: ProcessInfo.processInfo.environment["BERTH_BRIDGE_SUBNET"])
            try FileIO.writeAtomically(path, bytes: Array(try JSONEncoder().encode(n)))
            return n
        }
    }

    func allocateAddress(for id: String) throws -> IPv4Address {
        let net = try bridgeNetwork()
        return try FileLock.with(networkLock) {
            var leases = Leases.parse(FileIO.readString(leasesPath) ?? "")
            let ip = try leases.allocate(for: id, in: net.subnet)
            try FileIO.writeAtomically(leasesPath, string: leases.text)
            return ip
        }
    }

    /// Addresses of the bridge subnet not leased yet (the gateway and broadcast never are).
    func freeAddresses() throws -> Int {
        let net = try bridgeNetwork()
        let usable = Int(net.subnet.broadcast.value) - Int(net.gateway.value) - 1
        let leases = Leases.parse(FileIO.readString(leasesPath) ?? "")
        let leased = Set(leases.entries.map(\.0).filter { net.subnet.contains($0) && $0 != net.gateway && $0 != net.subnet.broadcast })
        return max(0, usable - leased.count)
    }

    func releaseAddress(of id: String) {
        try? FileLock.with(networkLock) {
            var leases = Leases.parse(FileIO.readString(leasesPath) ?? "")
            leases.release(id)
            try FileIO.writeAtomically(leasesPath, string: leases.text)
        }
    }

    /// Creates the bridge, its gateway address and brings it up, unless it exists already.
    /// Only Berth's own interface changes; no route, firewall or forwarding setting is touched
    /// (the kernel adds the subnet's connected route for the bridge's address by itself).
    func ensureBridge(_ net: BridgeNetwork) throws {
        if Netlink.exists(net.bridge) { return }
        var nl = try Netlink()
        defer { nl.close() }
        try nl.createBridge(net.bridge)
        do {
            try nl.addAddress(net.bridge, address: net.gateway, prefix: net.subnet.prefix)
            try nl.setUp(net.bridge)
        } catch {
            try? nl.deleteLink(net.bridge)
            throw error
        }
    }

    public func bridgeInterfaceExists() -> Bool {
        (try? bridgeNetwork()).map { Netlink.exists($0.bridge) } ?? false
    }

    /// Removes the bridge interface and the network's state; refused while containers use it.
    public func removeBridgeNetwork() throws {
        let users = try list(all: true).filter { $0.network == .bridge }.map(\.name)
        guard users.isEmpty else {
            throw BerthError.invalidState("network bridge is used by \(users.joined(separator: ", ")); remove them first")
        }
        let net = try bridgeNetwork()
        var nl = try Netlink()
        defer { nl.close() }
        try nl.deleteLink(net.bridge)
        for f in ["bridge.json", "bridge.leases"] { unlink(networksDirectory + "/" + f) }
    }

    /// Rewrites the /etc/hosts of every container on the bridge, in place: the file is
    /// bind-mounted into running containers, so it must stay the same inode.
    func refreshHostsFiles() {
        let members = containerIDs().compactMap { record($0) }.filter { $0.network == .bridge && $0.ipAddress != nil }
            .sorted { $0.name < $1.name }
        var replicas: [String: [ContainerRecord]] = [:]
        for r in members { if let s = r.labels["berth.service"] { replicas[s, default: []].append(r) } }
        for (position, reader) in members.enumerated() {
            // The service name is an alias of one replica per reader, the next one for the next
            // reader: resolvers take the first match, so this spreads clients over the replicas
            // instead of sending them all to the first.
            var aliasHolder: [String: String] = [:]
            for (service, list) in replicas { aliasHolder[service] = list[position % list.count].id }
            let entries = members.compactMap { r -> HostsFile.Entry? in
                guard let ip = r.ipAddress.flatMap(IPv4Address.init) else { return nil }
                var names = [r.name]
                if let hostname = specSummary(r.id)?.hostname, hostname != r.name { names.append(hostname) }
                if let service = r.labels["berth.service"], service != r.name, aliasHolder[service] == r.id { names.append(service) }
                return HostsFile.Entry(ip: ip, names: names)
            }
            let text = Array(HostsFile.render(entries: entries).utf8)
            let fd = open(paths(reader.id).hosts, O_WRONLY | O_TRUNC | O_CLOEXEC)
            guard fd >= 0 else { continue }
            _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
    }

}
