import BerthOS
import Foundation

/// The nftables rules of one state root: the whole of Berth's table (`ip berth-<8 hex digits of
/// the root>`), written from the root's state each time, never edited rule by rule. Berth touches
/// no other table: its chains are base chains of their own at the standard hooks, so another
/// table's drop still drops.
///
/// - **forward**: a network is isolated from every other Berth bridge; a non-internal network's
///   bridge may send anywhere and receive replies and DNAT'd connections; an internal network's
///   bridge exchanges nothing with any other interface (bridged traffic between its own ports
///   stays allowed when br_netfilter shows it here).
/// - **postrouting**: masquerade of each non-internal subnet out of any interface but its bridge,
///   and of connections DNAT'd back onto the bridge they came from (hairpin).
/// - **prerouting / output**: DNAT of each published port of a running container on a
///   non-internal network, for clients outside and on the host (not for loopback, which the
///   supervisor's proxy serves: the kernel does not route 127.0.0.1 to another interface).
///
/// When a network has an IPv6 subnet, a second table of the same name in the `ip6` family holds
/// the same for IPv6 (the `ip` family sees IPv4 only): the same forward rules, masquerade of
/// each IPv6 subnet, and DNAT of ports published on every address to the container's IPv6
/// address. Without one, the `ip6` table is deleted, so it never outlives the last IPv6 network.
public struct KernelRules: Equatable, Sendable {
    public struct Network: Equatable, Sendable {
        public var bridge: String
        public var subnet: IPv4Subnet
        public var isInternal: Bool
        public var subnet6: IPv6Subnet?
        public init(bridge: String, subnet: IPv4Subnet, isInternal: Bool, subnet6: IPv6Subnet? = nil) {
            self.bridge = bridge; self.subnet = subnet; self.isInternal = isInternal; self.subnet6 = subnet6
        }
    }

    /// One DNAT: traffic to `hostIP` (0.0.0.0 = any local address) `hostPort` goes to `address:containerPort`.
    public struct Forward: Equatable, Sendable {
        public var proto: PortMapping.Proto
        public var hostIP: IPv4Address
        public var hostPort: UInt16
        public var address: IPv4Address
        public var containerPort: UInt16
        /// The container's IPv6 address, on an IPv6 network: a port published on every address
        /// (`hostIP` 0.0.0.0, docker's `[::]` too) is DNAT'd there for IPv6 clients.
        public var address6: IPv6Address?
        public init(proto: PortMapping.Proto = .tcp, hostIP: IPv4Address, hostPort: UInt16, address: IPv4Address, containerPort: UInt16,
                    address6: IPv6Address? = nil) {
            self.proto = proto; self.hostIP = hostIP; self.hostPort = hostPort; self.address = address; self.containerPort = containerPort
            self.address6 = address6
        }
    }

    public var table: String
    public var networks: [Network]
    public var forwards: [Forward]

    public init(table: String, networks: [Network], forwards: [Forward]) {
        self.table = table; self.networks = networks; self.forwards = forwards
    }

    /// `berth-` and 8 hex digits of the root: one table per root, so roots never touch each other's.
    public static func tableName(root: String) -> String { "berth-" + BridgeNetwork.hex8(BridgeNetwork.hash("nft\u{0}" + root)) }

    /// Whether the table has anything to hold (else it is deleted).
    public var isEmpty: Bool { networks.isEmpty && forwards.isEmpty }
    /// Whether some network needs the host to forward packets.
    public var needsForwarding: Bool { networks.contains { !$0.isInternal } }
    /// Whether some network needs the host to forward IPv6 packets.
    public var needsForwarding6: Bool { networks.contains { !$0.isInternal && $0.subnet6 != nil } }
    /// Whether the `ip6` table has anything to hold.
    var hasIPv6: Bool { networks.contains { $0.subnet6 != nil } }

    /// The transaction that replaces the table with these rules ("add" first so "delete" never
    /// fails on a missing table); with nothing to hold, it only deletes the table.
    public var script: String {
        var s = "add table ip \(table)\ndelete table ip \(table)\nadd table ip6 \(table)\ndelete table ip6 \(table)\n"
        guard !isEmpty else { return s }
        s += tableText(family: "ip")
        if hasIPv6 { s += tableText(family: "ip6") }
        return s
    }

    /// The table of one family: `ip` with the IPv4 subnets and addresses, `ip6` with the IPv6 ones.
    private func tableText(family: String) -> String {
        let v6 = family == "ip6"
        var forward: [String] = [], post: [String] = [], pre: [String] = [], out: [String] = []
        for n in networks {
            let br = "\"\(n.bridge)\""
            forward.append("iifname \(br) oifname \"berth*\" oifname != \(br) drop")
            if n.isInternal {
                forward.append("iifname \(br) oifname != \(br) drop")
                forward.append("oifname \(br) iifname != \(br) drop")
            } else {
                forward.append("iifname \(br) accept")
                forward.append("oifname \(br) ct state established,related accept")
                forward.append("oifname \(br) ct status dnat accept")
                guard let subnet = v6 ? n.subnet6?.description : n.subnet.description else { continue }
                post.append("\(family) saddr \(subnet) oifname != \(br) masquerade")
                post.append("\(family) saddr \(subnet) oifname \(br) ct status dnat masquerade")
            }
        }
        for f in forwards {
            if v6 {
                // Only ports on every address: a port bound to one IPv4 address is no IPv6 one's.
                guard f.hostIP.value == 0, let a6 = f.address6 else { continue }
                let rule = "fib daddr type local \(f.proto.rawValue) dport \(f.hostPort) dnat to [\(a6)]:\(f.containerPort)"
                pre.append(rule)
                out.append("ip6 daddr != ::1 \(rule)")
                continue
            }
            let match = f.hostIP.value == 0 ? "fib daddr type local" : "ip daddr \(f.hostIP)"
            let rule = "\(f.proto.rawValue) dport \(f.hostPort) dnat to \(f.address):\(f.containerPort)"
            pre.append("\(match) \(rule)")
            out.append("ip daddr != 127.0.0.0/8 \(match) \(rule)")
        }
        func chain(_ name: String, _ head: String, _ rules: [String]) -> String {
            "  chain \(name) {\n    \(head); policy accept;\n" + rules.map { "    \($0)\n" }.joined() + "  }\n"
        }
        var s = "table \(family) \(table) {\n"
        s += chain("forward", "type filter hook forward priority filter", forward)
        s += chain("prerouting", "type nat hook prerouting priority dstnat", pre)
        s += chain("output", "type nat hook output priority -100", out)
        s += chain("postrouting", "type nat hook postrouting priority srcnat", post)
        s += "}\n"
        return s
    }
}
