import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The network verbs of the façade (definitions and leases are `BridgeNetworkStore`'s), `connect`
/// and `disconnect`, and the networks' membership files for DNS, which need the records.
extension Engine {
    /// The root's default bridge network, defined on first use.
    public func bridgeNetwork() throws -> BridgeNetwork { try bridgeStore.network() }

    /// Every network of the root, the default bridge first.
    public func networks() throws -> [BridgeNetwork] { try bridgeStore.all() }

    public func network(named name: String) throws -> BridgeNetwork { try bridgeStore.network(named: name) }

    public func networkInterfaceExists(_ net: BridgeNetwork) -> Bool { Netlink.exists(net.bridge) }

    /// `network create`: a new network with its bridge (see `BridgeNetworkStore.create`).
    /// `subnets` and `gateways` are docker's repeatable `--subnet`/`--gateway`: one of each family.
    @discardableResult
    public func createNetwork(name: String, subnets: [String] = [], gateways: [String] = [], ipv6: Bool = false,
                              isInternal: Bool = false, labels: [String: String] = [:]) throws -> BridgeNetwork {
        try ResourceName.validate(name, kind: .network)
        _ = try outboundEnabled()  // a bad setting is refused before anything is made
        let request = try NetworkSubnetRequest.parse(subnets: subnets, gateways: gateways, ipv6: ipv6)
        let net = try bridgeStore.create(name: name, request: request, isInternal: isInternal, labels: labels)
        try FileLock.with(bridgeStore.lock) { try syncKernelRules() }
        return net
    }

    /// The containers on a network (any state), with their attachment to it.
    public func networkMembers(_ name: String) -> [(record: ContainerRecord, attachment: NetworkAttachment)] {
        store.containerIDs().compactMap { store.record($0) }.compactMap { r in
            r.attachments.first { $0.network == name }.map { (r, $0) }
        }.sorted { $0.record.name < $1.record.name }
    }

    /// `network rm`: the interface and the network's files; refused while containers are on it.
    /// The default bridge is defined again (same name, interface and subnet) at its next use.
    public func removeNetwork(_ name: String) throws {
        let net = try bridgeStore.network(named: name)
        let users = networkMembers(net.name).map(\.record.name)
        guard users.isEmpty else {
            throw BerthError.invalidState("network \(net.name) is used by \(users.joined(separator: ", ")); remove or disconnect them first")
        }
        try FileLock.with(bridgeStore.lock) {
            try bridgeStore.remove(net)
            syncKernelRulesBestEffort()
        }
    }

    /// Kept for callers of the single-network API.
    public func removeBridgeNetwork() throws { try removeNetwork(BridgeNetwork.defaultName) }

    /// `network prune`: every user-defined network no container is on, and veths of containers
    /// that no longer exist. Returns the networks' names.
    public func pruneNetworks() throws -> [String] {
        defer { try? FileLock.with(bridgeStore.lock) { syncKernelRulesBestEffort() } }
        bridgeStore.deleteInterfaces(bridgeStore.strayVeths(keeping: Set(store.containerIDs())))
        var removed: [String] = []
        for net in try bridgeStore.all() where !net.isDefault && networkMembers(net.name).isEmpty {
            do { try removeNetwork(net.name); removed.append(net.name) } catch BerthError.invalidState(_) { continue }
        }
        return removed
    }

    // MARK: - connect, disconnect

    /// `network connect`: puts a container on one more network. A running container gets its
    /// interface (eth1…) at once; a stopped one at its next start. The lease and the record are
    /// written together under the networks' lock, then the veth is plugged; a failure undoes all.
    public func connect(network name: String, container ref: String, ip: String? = nil, ip6: String? = nil,
                        aliases: [String] = []) throws {
        let net = try bridgeStore.network(named: name)
        let requested = try Self.requestedAddress(ip)
        let requested6 = try Self.requestedAddress6(ip6)
        try Self.checkAliases(aliases)
        let r0 = try resolve(ref)
        let p = store.paths(r0.id)
        try FileLock.with(p.lock) {
            guard let r = store.record(r0.id) else { throw BerthError.noSuchContainer(ref) }
            guard r.network == .bridge else {
                throw BerthError.invalidArgument("container \(r.name) has --network \(r.network.rawValue): it cannot join a network")
            }
            let current = r.attachments
            guard !current.contains(where: { $0.network == net.name }) else {
                throw BerthError.invalidArgument("container \(r.name) is already on network \(net.name)")
            }
            guard let interface = (0..<NetworkAttachment.maximumPerContainer).map({ "eth\($0)" })
                .first(where: { i in !current.contains { $0.interface == i } }) else {
                throw BerthError.invalidArgument("container \(r.name) is on \(NetworkAttachment.maximumPerContainer) networks already, the most it can be on")
            }
            var updated = r
            let attachment = try FileLock.with(bridgeStore.lock) { () throws -> NetworkAttachment in
                let leased = try bridgeStore.allocateLocked(for: r.id, on: net, requested: requested, requested6: requested6)
                let a = NetworkAttachment(network: net.name, ipAddress: leased.v4.description, interface: interface,
                                          aliases: aliases.isEmpty ? nil : aliases, ipv6Address: leased.v6?.description)
                updated.networks = current + [a]
                if interface == "eth0" { updated.ipAddress = a.ipAddress }
                do { try writeRecord(updated) } catch {
                    bridgeStore.releaseLocked([r.id], networks: [net.name])
                    throw error
                }
                return a
            }
            let state = store.state(r.id)
            if state.status == .running, let pid = state.pid {
                do { try plug(attachment, on: net, id: r.id, pid: pid) } catch {
                    try? FileLock.with(bridgeStore.lock) {
                        try writeRecord(r)
                        bridgeStore.releaseLocked([r.id], networks: [net.name])
                    }
                    throw error
                }
            }
        }
        refreshNetworkNames()
    }

    /// `network disconnect`: takes a container off a network, its interface deleted if it runs.
    /// `force`: also when the container is not on it (nothing to do then).
    public func disconnect(network name: String, container ref: String, force: Bool = false) throws {
        let net = try bridgeStore.network(named: name)
        let r0 = try resolve(ref)
        try FileLock.with(store.paths(r0.id).lock) {
            guard let r = store.record(r0.id) else { throw BerthError.noSuchContainer(ref) }
            guard let a = r.attachments.first(where: { $0.network == net.name }) else {
                if force { return }
                throw BerthError.invalidArgument("container \(r.name) is not on network \(net.name)")
            }
            var updated = r
            updated.networks = r.attachments.filter { $0.network != net.name }
            if a.interface == "eth0" { updated.ipAddress = updated.networks?.first?.ipAddress }
            // The interface goes first: a crash after it leaves a record that still names the
            // network, which the next disconnect (or start) corrects; never an address in use twice.
            if store.state(r.id).isRunning {
                var nl = try Netlink()
                defer { nl.close() }
                try nl.deleteLink(a.hostInterface(id: r.id))
            }
            try FileLock.with(bridgeStore.lock) {
                try writeRecord(updated)
                bridgeStore.releaseLocked([r.id], networks: [net.name])
            }
        }
        refreshNetworkNames()
    }

    private func writeRecord(_ r: ContainerRecord) throws {
        try FileIO.writeAtomically(store.paths(r.id).record, bytes: Array(try JSONEncoder.berth.encode(r)))
    }

    /// A veth into the running container (`pid`'s network namespace), its address set inside.
    private func plug(_ a: NetworkAttachment, on net: BridgeNetwork, id: String, pid: Int32) throws {
        guard let ip = IPv4Address(a.ipAddress) else { throw BerthError.corruptState("bad address \(a.ipAddress.quoted) of \(id)") }
        try bridgeStore.ensureBridge(net)
        var nl = try Netlink()
        defer { nl.close() }
        let host = a.hostInterface(id: id)
        try nl.createVeth(host: host, master: net.bridge, peer: a.interface, namespaceOf: pid)
        let address6 = try Self.address6(of: a, on: net, container: id)
        do {
            try Netlink.configure(interface: a.interface, inNamespaceOf: pid, address: ip, prefix: net.subnet.prefix,
                                  address6: address6.map { ($0, $1) })
        } catch {
            try? nl.deleteLink(host)
            throw error
        }
    }

    /// The plan's part for one of the container's networks: its bridge exists (made again after
    /// a reboot), and eth0 gets a default route when its network leads somewhere: the default
    /// bridge always (as before), a non-internal user network when outbound access is on (the
    /// masquerade carries it out). With outbound off a route off the subnet leads nowhere, and
    /// none means a host that forwards cannot carry a container's packets to another network.
    /// IPv6 follows IPv4: an address on an IPv6 network, and a default IPv6 route exactly when
    /// eth0 gets an IPv4 one (with outbound off neither leads anywhere).
    func planNetwork(_ a: NetworkAttachment, of r: ContainerRecord, outbound: Bool = false) throws -> LaunchPlan.Network {
        let net = try bridgeStore.network(named: a.network)
        try bridgeStore.ensureBridge(net)
        guard let ip = IPv4Address(a.ipAddress) else { throw BerthError.corruptState("bad address \(a.ipAddress.quoted) in the record of \(r.name)") }
        let routed = a.interface == "eth0" && (net.isDefault || (outbound && net.internal != true))
        let address6 = try Self.address6(of: a, on: net, container: r.name)
        return LaunchPlan.Network(bridge: net.bridge, hostInterface: a.hostInterface(id: r.id), interface: a.interface,
                                  address: ip, prefix: net.subnet.prefix, gateway: routed ? net.gateway : nil,
                                  address6: address6?.address, prefix6: address6?.prefix ?? 64,
                                  gateway6: routed && address6 != nil ? net.gateway6 : nil)
    }

    /// The IPv6 address of an attachment and its prefix length, on an IPv6 network; a record
    /// whose address is not one (edited by hand) is refused rather than half configured.
    static func address6(of a: NetworkAttachment, on net: BridgeNetwork, container: String) throws -> (address: IPv6Address, prefix: UInt8)? {
        guard let text = a.ipv6Address, let subnet6 = net.subnet6 else { return nil }
        guard let ip6 = IPv6Address(text), subnet6.contains(ip6) else {
            throw BerthError.corruptState("bad IPv6 address \(text.quoted) in the record of \(container)")
        }
        return (ip6, subnet6.prefix)
    }

    /// What a networked container's supervisor runs when the container ends for good: its names
    /// leave its networks' membership files.
    static func refreshHostsCommand(cliPath: String, root: String) -> [String] {
        [cliPath, "--root", root, "network", "refresh-hosts"]
    }

    // MARK: - names (EmbeddedDNS)

    /// The plan's part for the container's DNS server: the membership files' directory, and the
    /// resolvers it forwards to: `--dns` if given, else the host's (read now, at each start, as
    /// docker does). A container only on `--internal` networks forwards nowhere (docker 26's
    /// rule: an internal network has no way out, for names neither).
    func planDNS(_ r: ContainerRecord, annotations: [String: String]?) throws -> LaunchPlan.DNS? {
        guard !r.attachments.isEmpty else { return nil }
        let internalOnly = try r.attachments.allSatisfy { try bridgeStore.network(named: $0.network).internal == true }
        var servers: [IPv4Address] = []
        if !internalOnly {
            let source = annotations?[SpecExtras.Annotation.dnsServers].map { text in
                text.split(separator: "\n").map { "nameserver " + $0 }.joined(separator: "\n")
            } ?? FileIO.readString("/etc/resolv.conf") ?? ""
            servers = EmbeddedDNS.servers(resolvConf: source)
        }
        let directory = EmbeddedDNS.directory(networks: bridgeStore.directory)
        try FileIO.mkdirs(directory, mode: 0o700)
        return LaunchPlan.DNS(directory: directory, servers: servers, networks: r.attachments.map(\.network))
    }

    @available(*, deprecated, renamed: "refreshNetworkNames")
    public func refreshHostsFiles() { refreshNetworkNames() }

    /// Rewrites the membership file of every network (`EmbeddedDNS`): its running members, each
    /// with its names there (container name, hostname, aliases on that network, and its service's
    /// name, so a service resolves to every replica). A stopped container is in no file, so a
    /// name never leads to a container that is not there. Files that would not change are not
    /// written, so the supervisors re-read only what changed.
    /// The kernel's rules of the root (published ports of running containers) change with the
    /// same events, so they are written here too, under the same lock.
    public func refreshNetworkNames() {
        try? FileIO.mkdirs(bridgeStore.directory, mode: 0o700)
        try? FileLock.with(bridgeStore.lock) {
            refreshNetworkNamesLocked()
            syncKernelRulesBestEffort()
        }
    }

    private func refreshNetworkNamesLocked() {
        let directory = EmbeddedDNS.directory(networks: bridgeStore.directory)
        // Under the networks' lock: `defined()`, which takes no lock (`all()` may define the
        // default network, under the same lock).
        guard (try? FileIO.mkdirs(directory, mode: 0o700)) != nil else { return }
        let networks = bridgeStore.defined()
        var members: [String: [EmbeddedDNS.Member]] = [:]
        let records = store.containerIDs().compactMap { store.record($0) }.filter { !$0.attachments.isEmpty }
            .sorted { $0.name < $1.name }
        for r in records {
            let s = store.state(r.id).status
            guard s == .running || s == .restarting else { continue }
            var own = [r.name]
            if let hostname = store.specSummary(r.id)?.hostname, hostname != r.name { own.append(hostname) }
            // Only a valid service name becomes a name (a label set by hand could hold anything).
            if let service = r.labels["berth.service"], ResourceName.isValid(service), !own.contains(service) { own.append(service) }
            for a in r.attachments {
                guard let ip = IPv4Address(a.ipAddress) else { continue }
                let names = own + (a.aliases ?? []).filter { !own.contains($0) }
                members[a.network, default: []].append(EmbeddedDNS.Member(address: ip, id: r.id, names: names,
                                                                           address6: a.ipv6Address.flatMap(IPv6Address.init)))
            }
        }
        for net in networks {
            let path = directory + "/" + net.name
            let text = EmbeddedDNS.render(subnet: net.subnet, subnet6: net.subnet6, members: members[net.name] ?? [])
            if FileIO.readString(path) != text { try? FileIO.writeAtomically(path, string: text) }
        }
        // A network removed meanwhile (or by a command killed before it got here) leaves no file.
        let known = Set(networks.map(\.name))
        for name in FileIO.entryNames(directory) where !known.contains(name) { unlink(directory + "/" + name) }
    }
}
