import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The root's bridge network: the bridge interface, its subnet, and the leases of container
/// addresses (`networks/bridge.json`, `networks/bridge.leases`).
public struct BridgeNetwork: Codable, Sendable, Equatable {
    public var name: String
    /// The host interface; always starts with "berth".
    public var bridge: String
    public var subnet: IPv4Subnet
    public var gateway: IPv4Address { subnet.gateway }

    public static let defaultSubnet = "10.213.0.0/16"

    /// `berth0` and 10.213.0.0/16 for the default root; other roots (tests, users keeping
    /// separate roots) get their own bridge and a /24 derived from the root's path, so two roots
    /// never share a bridge or hand out the same address.
    public static func defaults(root: String, subnetOverride: String?) throws -> BridgeNetwork {
        if root == EngineOptions.defaultRoot {
            return BridgeNetwork(name: "bridge", bridge: "berth0", subnet: try IPv4Subnet(parsing: subnetOverride ?? defaultSubnet))
        }
        var h: UInt32 = 2166136261
        for b in root.utf8 { h = (h ^ UInt32(b)) &* 16777619 }
        let hex = String(h, radix: 16)
        let tag = String(repeating: "0", count: 8 - hex.count) + hex
        let third = UInt32(1 + (h >> 8) % 254)
        let subnet = try subnetOverride.map { try IPv4Subnet(parsing: $0) }
            ?? IPv4Subnet(network: IPv4Address(10 << 24 | 214 << 16 | third << 8), prefix: 24)
        return BridgeNetwork(name: "bridge", bridge: "berth" + tag, subnet: subnet)
    }
}

/// Addresses leased to containers: one "IP ID" line each. Lowest free address first, never
/// one in use; released when the container is removed.
struct Leases {
    var entries: [(IPv4Address, String)]

    static func parse(_ text: String) -> Leases {
        Leases(entries: text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let ip = IPv4Address(String(parts[0])) else { return nil }
            return (ip, String(parts[1]))
        })
    }

    var text: String { entries.map { "\($0.0) \($0.1)\n" }.joined() }

    mutating func allocate(for id: String, in subnet: IPv4Subnet) throws -> IPv4Address {
        if let existing = entries.first(where: { $0.1 == id }) { return existing.0 }
        let used = Set(entries.map { $0.0 })
        var candidate = subnet.gateway.value + 1
        while candidate < subnet.broadcast.value {
            if !used.contains(IPv4Address(candidate)) {
                entries.append((IPv4Address(candidate), id))
                return IPv4Address(candidate)
            }
            candidate += 1
        }
        throw BerthError.invalidState("no free address left in \(subnet)")
    }

    mutating func release(_ id: String) { entries.removeAll { $0.1 == id } }
}

/// `/etc/hosts` of a container on the bridge: itself, then every container of the network by
/// name, with the service name as an alias so `web` resolves to one of its replicas.
enum HostsFile {
    struct Entry: Equatable {
        var ip: IPv4Address
        var names: [String]
    }

    static func render(entries: [Entry]) -> String {
        var out = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        for e in entries.sorted(by: { $0.ip < $1.ip }) {
            out += "\(e.ip)\t\(e.names.joined(separator: " "))\n"
        }
        return out
    }
}
