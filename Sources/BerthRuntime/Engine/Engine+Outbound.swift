import BerthOS
import Foundation

/// Outbound access and published ports in the kernel: Berth's nftables table of this root,
/// rewritten whole from the root's state (`KernelRules`) whenever a network or a networked
/// container changes, under the networks' lock. With outbound access off (`OutboundSetting`)
/// nothing here runs: no table, no forwarding, libnftables not even loaded.
extension Engine {
    /// Whether this root's networks get outbound access (see `OutboundSetting`).
    public func outboundEnabled() throws -> Bool { try OutboundSetting.isEnabled(root: root) }

    /// The rules the root's state asks for: every network whose bridge exists (one without its
    /// bridge carries nothing: the start that makes it writes the table again), and the published
    /// ports of running containers whose eth0 is on a non-internal network.
    func kernelRules() throws -> KernelRules {
        let nets = bridgeStore.defined().filter { Netlink.exists($0.bridge) }
        let byName = Dictionary(nets.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var forwards: [KernelRules.Forward] = []
        for id in store.containerIDs() {
            guard let r = store.record(id), let ports = r.ports, !ports.isEmpty,
                  let eth0 = r.attachments.first, let net = byName[eth0.network], net.internal != true,
                  let address = IPv4Address(eth0.ipAddress) else { continue }
            let status = store.state(id).status
            guard status == .running || status == .restarting else { continue }
            // Loopback-only ports stay with the proxy: the kernel does not route 127/8 elsewhere.
            for p in ports where p.hostIP.value >> 24 != 127 {
                forwards.append(.init(proto: p.proto, hostIP: p.hostIP, hostPort: p.hostPort, address: address,
                                      containerPort: p.containerPort, address6: eth0.ipv6Address.flatMap(IPv6Address.init)))
            }
        }
        return KernelRules(table: KernelRules.tableName(root: root),
                           networks: nets.map { .init(bridge: $0.bridge, subnet: $0.subnet, isInternal: $0.internal == true, subnet6: $0.subnet6) },
                           forwards: forwards)
    }

    /// Writes the root's tables (one transaction) and turns on `ip_forward` when a network needs
    /// it, and `net.ipv6.conf.all.forwarding` when an IPv6 network does, saying so once. Off:
    /// does nothing, for IPv6 neither. Without libnftables: says once per call that
    /// outbound access is unavailable (ports still work through the proxy).
    public func syncKernelRules(report: (String) -> Void = { FileHandle.standardError.write(Data("berth: \($0)\n".utf8)) }) throws {
        guard try outboundEnabled() else { return }
        let rules = try kernelRules()
        guard NFTables.isAvailable else {
            if rules.needsForwarding { report("no outbound access: libnftables.so.1 is missing (apt-get install libnftables1); published ports use the proxy") }
            return
        }
        try NFTables.run(rules.script)
        if rules.needsForwarding, try IPForwarding.ipv4.turnOn() {
            let names = bridgeStore.defined().filter { $0.internal != true }.map(\.name).joined(separator: ", ")
            report("turned on \(IPForwarding.ipv4.name) for the outbound access of network \(names) (BERTH_OUTBOUND=off keeps it off)")
        }
        if rules.needsForwarding6, try IPForwarding.ipv6.turnOn() {
            let names = bridgeStore.defined().filter { $0.internal != true && $0.enableIPv6 }.map(\.name).joined(separator: ", ")
            report("turned on \(IPForwarding.ipv6.name) for the IPv6 outbound access of network \(names) (BERTH_OUTBOUND=off keeps it off)")
        }
    }

    /// As `syncKernelRules`, for callers that must not fail because of it (a container's start or
    /// removal): the next change or `network prune` writes the table again.
    func syncKernelRulesBestEffort() {
        do { try syncKernelRules() } catch {
            FileHandle.standardError.write(Data("berth: outbound rules not updated: \(error)\n".utf8))
        }
    }
}
