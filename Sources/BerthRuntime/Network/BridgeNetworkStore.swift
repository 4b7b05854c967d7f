import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The root's networks on disk and on the host: each network's definition (`networks/NAME.json`),
/// its address leases (`networks/NAME.leases`, "IP ID" lines) and its bridge interface. One lock
/// (`networks/networks.lock`) serialises definitions and leases of every network: creating a
/// network checks the others' subnets, and a lease check spans every network.
/// A container's addresses on one network: IPv4 always, IPv6 on an IPv6 network.
struct LeasedAddress: Equatable {
    var v4: IPv4Address
    var v6: IPv6Address?
}

struct BridgeNetworkStore: Sendable {
    let root: String
    var directory: String { root + "/networks" }
    var lock: String { directory + "/networks.lock" }
    func definitionPath(_ name: String) -> String { directory + "/" + name + ".json" }
    func leasesPath(_ name: String) -> String { directory + "/" + name + ".leases" }

    /// The default network, defined on first use.
    func network() throws -> BridgeNetwork {
        if let n = readDefinition(BridgeNetwork.defaultName) { return n }
        try FileIO.mkdirs(directory, mode: 0o700)
        return try FileLock.with(lock) {
            if let n = readDefinition(BridgeNetwork.defaultName) { return n }
            let n = try BridgeNetwork.defaults(root: root, subnetOverride: ProcessInfo.processInfo.environment["BERTH_BRIDGE_SUBNET"])
            try FileIO.writeAtomically(definitionPath(n.name), bytes: Array(try JSONEncoder.berth.encode(n)))
            return n
        }
    }

    /// A network by name (the name is validated before it becomes a path).
    func network(named name: String) throws -> BridgeNetwork {
        if name == BridgeNetwork.defaultName { return try network() }
        try ResourceName.validate(name, kind: .network)
        guard let n = readDefinition(name) else { throw BerthError.invalidArgument("no such network: \(name.quoted)") }
        return n
    }

    /// Every defined network, the default first (defined by this call if it was not yet).
    func all() throws -> [BridgeNetwork] {
        [try network()] + userDefined()
    }

    /// Every network defined now, the default first when it is; defines nothing and takes no
    /// lock, so callers that hold the networks' lock (writing the kernel's rules after a removal)
    /// may list them.
    func defined() -> [BridgeNetwork] {
        (readDefinition(BridgeNetwork.defaultName).map { [$0] } ?? []) + userDefined()
    }

    /// The networks `network create` made, by name.
    private func userDefined() -> [BridgeNetwork] {
        FileIO.entryNames(directory).filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
            .filter { $0 != BridgeNetwork.defaultName && ResourceName.isValid($0) }.sorted()
            .compactMap(readDefinition)
    }

    private func readDefinition(_ name: String) -> BridgeNetwork? {
        FileIO.read(definitionPath(name)).flatMap { try? JSONDecoder.berth.decode(BridgeNetwork.self, from: Data($0)) }
    }

    // MARK: - Definitions

    /// Defines a network and creates its bridge. A subnet must not overlap another network of
    /// this root or any route of the host (Berth's other roots' bridges included); without one a
    /// free /24 of 10.215.0.0/16 is chosen, and with `--ipv6` and no IPv6 subnet a free /64 of
    /// Berth's unique-local pool. The definition is written before the interface, so a crash
    /// between the two leaves a network whose bridge the next start creates.
    func create(name: String, request: NetworkSubnetRequest, isInternal: Bool, labels: [String: String]) throws -> BridgeNetwork {
        try ResourceName.validate(name, kind: .network)
        guard !BridgeNetwork.reservedNames.contains(name) else {
            throw BerthError.invalidArgument("network name \(name.quoted) is reserved (bridge, host, none, default)")
        }
        _ = try network()
        return try FileLock.with(lock) {
            if readDefinition(name) != nil { throw BerthError.invalidArgument("network \(name.quoted) already exists") }
            let others = try all()
            var nl = try Netlink()
            defer { nl.close() }
            let routes = try nl.routes()
            func conflict(_ s: IPv4Subnet) -> String? {
                if let other = others.first(where: { $0.subnet.overlaps(s) }) { return "network \(other.name.quoted) (\(other.subnet))" }
                if let r = routes.first(where: { $0.overlaps(s) }) { return "the host's route to \(r)" }
                return nil
            }
            let chosen: IPv4Subnet
            if let subnet = request.subnet {
                if let c = conflict(subnet) { throw BerthError.invalidArgument("subnet \(subnet) overlaps \(c)") }
                chosen = subnet
            } else {
                guard let free = BridgeNetwork.subnetCandidates(root: root, network: name)
                    .first(where: { conflict($0) == nil }) else {
                    throw BerthError.invalidState("no free /24 left in 10.215.0.0/16 for network \(name.quoted): give --subnet")
                }
                chosen = free
            }
            if let gateway = request.gateway {
                guard chosen.contains(gateway), gateway != chosen.network, gateway != chosen.broadcast else {
                    throw BerthError.invalidArgument("invalid --gateway \(gateway): not a host address of \(chosen)")
                }
            }
            let chosen6 = request.ipv6 ? try freeSubnet6(name: name, requested: request.subnet6, others: others, nl: &nl) : nil
            let net = BridgeNetwork(name: name, bridge: BridgeNetwork.interfaceName(root: root, network: name), subnet: chosen,
                                    gatewayAddress: request.gateway, internal: isInternal, labels: labels.isEmpty ? nil : labels,
                                    created: Date(), subnet6: chosen6, gateway6Address: request.gateway6)
            guard !Netlink.exists(net.bridge) else {
                throw BerthError.invalidState("interface \(net.bridge) exists already and is not this root's: choose another network name")
            }
            try FileIO.writeAtomically(definitionPath(name), bytes: Array(try JSONEncoder.berth.encode(net)))
            do { try ensureBridge(net) } catch {
                unlink(definitionPath(name))
                throw error
            }
            return net
        }
    }

    /// `requested` if it overlaps no other network's IPv6 subnet and no IPv6 route of the host
    /// (other roots' bridges have theirs), else the first free /64 of Berth's pool.
    private func freeSubnet6(name: String, requested: IPv6Subnet?, others: [BridgeNetwork], nl: inout Netlink) throws -> IPv6Subnet {
        let routes = try nl.routes6()
        func conflict(_ s: IPv6Subnet) -> String? {
            if let other = others.first(where: { $0.subnet6?.overlaps(s) == true }), let o = other.subnet6 {
                return "network \(other.name.quoted) (\(o))"
            }
            if let r = routes.first(where: { $0.overlaps(s) }) { return "the host's route to \(r)" }
            return nil
        }
        if let requested {
            if let c = conflict(requested) { throw BerthError.invalidArgument("subnet \(requested) overlaps \(c)") }
            return requested
        }
        guard let free = BridgeNetwork.subnet6Candidates(root: root, network: name).first(where: { conflict($0) == nil }) else {
            throw BerthError.invalidState("no free /64 left in \(BridgeNetwork.ipv6Pool) for network \(name.quoted): give an IPv6 --subnet")
        }
        return free
    }

    // MARK: - Leases

    /// An address on `net` for container `id` (the lowest free one, or `requested`), and on an
    /// IPv6 network its IPv6 address too (the lowest free one, or `requested6`).
    func allocateAddress(for id: String, on net: BridgeNetwork, requested: IPv4Address? = nil,
                         requested6: IPv6Address? = nil) throws -> LeasedAddress {
        try FileIO.mkdirs(directory, mode: 0o700)
        return try FileLock.with(lock) { try allocateLocked(for: id, on: net, requested: requested, requested6: requested6) }
    }

    /// As `allocateAddress`, for a caller holding `lock`. Both families are written in one
    /// rename: a refused `--ip6` takes no IPv4 lease either.
    func allocateLocked(for id: String, on net: BridgeNetwork, requested: IPv4Address?, requested6: IPv6Address? = nil) throws -> LeasedAddress {
        var leases = readLeases(net.name)
        let ip = try leases.allocate(for: id, in: net, requested: requested)
        let ip6 = try leases.allocate6(for: id, in: net, requested: requested6)
        try FileIO.writeAtomically(leasesPath(net.name), string: leases.text)
        return LeasedAddress(v4: ip, v6: ip6)
    }

    /// Addresses of the subnet not leased yet (the gateway and broadcast never are).
    func freeAddresses(on net: BridgeNetwork) -> Int {
        let usable = Int(net.subnet.broadcast.value) - Int(net.subnet.network.value) - 1
        let leased = Set(readLeases(net.name).entries.map(\.0).filter {
            net.subnet.contains($0) && $0 != net.gateway && $0 != net.subnet.broadcast
        })
        return max(0, usable - 1 - leased.count)
    }

    /// Best effort, on every network: the lease files are rewritten only after a container's files
    /// are gone, and a leftover lease is dropped by the next reconcile.
    func releaseAddresses(of ids: [String]) {
        try? FileLock.with(lock) { releaseLocked(ids, networks: leaseNetworks()) }
    }

    /// Drops the leases of `ids` on the named networks, for a caller holding `lock`.
    func releaseLocked(_ ids: [String], networks: [String]) {
        for name in networks {
            var leases = readLeases(name)
            let before = leases.entries.count
            for id in ids { leases.release(id) }
            if leases.entries.count != before { try? FileIO.writeAtomically(leasesPath(name), string: leases.text) }
        }
    }

    /// Names of the networks with a lease file.
    func leaseNetworks() -> [String] {
        FileIO.entryNames(directory).filter { $0.hasSuffix(".leases") }.map { String($0.dropLast(7)) }.filter { ResourceName.isValid($0) }
    }

    /// (network, id) of leases that `keep` does not hold: ids that are not containers, or
    /// containers not on that network (a `connect` killed before it wrote the container's record).
    func staleLeases(keep: (_ network: String, _ id: String) -> Bool) -> [(network: String, id: String)] {
        leaseNetworks().flatMap { name in
            readLeases(name).ids.filter { !keep(name, $0) }.sorted().map { (network: name, id: $0) }
        }
    }

    func leases(on name: String) -> [(IPv4Address, String)] { readLeases(name).entries }

    private func readLeases(_ name: String) -> Leases { Leases.parse(FileIO.readString(leasesPath(name)) ?? "") }

    // MARK: - The interfaces

    /// Host ends of veths on this root's bridges whose container — named by the 9 hex digits of
    /// its id after "berth" — is none of `ids`: left when a container's namespace outlived it
    /// (the kernel deletes a veth with its namespace, so these are rare).
    func strayVeths(keeping ids: Set<String>) -> [String] {
        let bridges = Set(FileIO.entryNames(directory).filter { $0.hasSuffix(".json") }.compactMap {
            readDefinition(String($0.dropLast(5)))?.bridge
        })
        guard !bridges.isEmpty else { return [] }
        let prefixes = Set(ids.map { String($0.prefix(9)) })
        return Netlink.interfaces().filter { name in
            name.hasPrefix("berth") && (14...15).contains(name.count) && !prefixes.contains(String(name.dropFirst(5).prefix(9)))
                && Netlink.master(of: name).map(bridges.contains) == true
        }.sorted()
    }

    /// Deletes interfaces (best effort: one already gone is fine).
    func deleteInterfaces(_ names: [String]) {
        guard !names.isEmpty, var nl = try? Netlink() else { return }
        defer { nl.close() }
        for name in names { try? nl.deleteLink(name) }
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
            if let subnet6 = net.subnet6, let gateway6 = net.gateway6 {
                try nl.addAddress(net.bridge, address: gateway6, prefix: subnet6.prefix)
            }
            try nl.setUp(net.bridge)
        } catch {
            try? nl.deleteLink(net.bridge)
            throw error
        }
    }

    /// Deletes the interface and the network's files (the caller checked no container uses it).
    /// The definition goes last: a crash before leaves a network `rm` removes again.
    func remove(_ net: BridgeNetwork) throws {
        var nl = try Netlink()
        defer { nl.close() }
        try nl.deleteLink(net.bridge)
        unlink(leasesPath(net.name))
        unlink(EmbeddedDNS.directory(networks: directory) + "/" + net.name)
        unlink(definitionPath(net.name))
    }
}
