import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A network of the root: a bridge interface of its own, its subnet, and the leases of container
/// addresses (`networks/NAME.json`, `networks/NAME.leases`). `bridge` is the root's default,
/// defined on first use; the others are made by `network create` (docker's user-defined networks).
/// Every network is layer 2 only: no NAT, no forwarding, so containers reach the members of the
/// networks they are on and the host's address on each, nothing else.
public struct BridgeNetwork: Codable, Sendable, Equatable {
    public var name: String
    /// The host interface; always starts with "berth".
    public var bridge: String
    public var subnet: IPv4Subnet
    /// `--gateway`: the bridge's own address; nil = the subnet's first address.
    public var gatewayAddress: IPv4Address?
    /// `--internal`. Recorded as docker does; no network has outbound access yet, internal or not.
    public var `internal`: Bool?
    public var labels: [String: String]?
    public var created: Date?
    /// `--ipv6`: the network's IPv6 subnet (given, or a /64 of `ipv6Pool`); nil = IPv4 only.
    public var subnet6: IPv6Subnet?
    /// `--gateway` of the IPv6 subnet: the bridge's own IPv6 address; nil = the subnet's first.
    public var gateway6Address: IPv6Address?

    public var gateway: IPv4Address { gatewayAddress ?? subnet.gateway }
    public var gateway6: IPv6Address? { subnet6.map { gateway6Address ?? $0.gateway } }
    /// docker's `EnableIPv6`.
    public var enableIPv6: Bool { subnet6 != nil }
    /// The subnets and the gateways as one column each shows them (`network ls`, the
    /// dashboard's networks view): IPv4 first, an IPv6 network's after a comma.
    public var subnetsText: String { ([subnet.description] + [subnet6?.description].compactMap { $0 }).joined(separator: ",") }
    public var gatewaysText: String { ([gateway.description] + [gateway6?.description].compactMap { $0 }).joined(separator: ",") }
    public var isDefault: Bool { name == Self.defaultName }

    public static let defaultName = "bridge"
    public static let defaultSubnet = "10.213.0.0/16"
    /// Names `--network` gives a meaning of its own: never a network's.
    public static let reservedNames: Set<String> = ["bridge", "host", "none", "default"]

    /// `berth0` and 10.213.0.0/16 for the default root; other roots (tests, users keeping
    /// separate roots) get their own bridge and a /24 derived from the root's path, so two roots
    /// never share a bridge or hand out the same address.
    public static func defaults(root: String, subnetOverride: String?) throws -> BridgeNetwork {
        if root == EngineOptions.defaultRoot {
            return BridgeNetwork(name: defaultName, bridge: "berth0", subnet: try IPv4Subnet(parsing: subnetOverride ?? defaultSubnet))
        }
        let h = hash(root)
        let third = UInt32(1 + (h >> 8) % 254)
        let subnet = try subnetOverride.map { try IPv4Subnet(parsing: $0) }
            ?? IPv4Subnet(network: IPv4Address(10 << 24 | 214 << 16 | third << 8), prefix: 24)
        return BridgeNetwork(name: defaultName, bridge: "berth" + hex8(h), subnet: subnet)
    }

    /// The interface of a user-defined network: "berth" and 8 hex digits of the root and the name
    /// (15 characters at most, the kernel's limit; never the 9 digits of a container's veth).
    static func interfaceName(root: String, network: String) -> String { "berth" + hex8(hash(root + "\u{0}" + network)) }

    /// Where `network create` looks for a free /24 when no `--subnet` is given: 10.215.0.0/16,
    /// starting at a place derived from the root and the name so parallel roots seldom collide.
    static func subnetCandidates(root: String, network: String) -> [IPv4Subnet] {
        let start = hash(root + "\u{0}" + network) % 256
        return (0..<UInt32(256)).map { i in
            IPv4Subnet(network: IPv4Address(10 << 24 | 215 << 16 | ((start + i) % 256) << 8), prefix: 24)
        }
    }

    /// Where `network create --ipv6` looks for a free /64 when no IPv6 `--subnet` is given: the
    /// unique-local /48 whose global id spells "berth" (fd62:6572:7468::/48, 65536 /64s), starting
    /// at a place derived from the root and the name, as for IPv4.
    static let ipv6Pool = IPv6Subnet(network: IPv6Address("fd62:6572:7468::")!, prefix: 48)

    static func subnet6Candidates(root: String, network: String) -> LazyMapSequence<Range<UInt64>, IPv6Subnet> {
        let start = UInt64(hash(root + "\u{0}" + network) % 65536)
        return (0..<UInt64(65536)).lazy.map { i in
            IPv6Subnet(network: IPv6Address(high: ipv6Pool.network.high | (start + i) % 65536, low: 0), prefix: 64)
        }
    }

    /// FNV-1a: stable across runs and processes (Swift's Hasher is seeded per process).
    static func hash(_ s: String) -> UInt32 {
        var h: UInt32 = 2166136261
        for b in s.utf8 { h = (h ^ UInt32(b)) &* 16777619 }
        return h
    }

    static func hex8(_ h: UInt32) -> String {
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}

/// One network a container is on (`container.json`'s `networks`): its address there, the
/// interface inside the container, and the extra names (`--network-alias`) it answers to there.
public struct NetworkAttachment: Codable, Sendable, Equatable {
    public var network: String
    public var ipAddress: String
    /// `eth0` for the first network, `eth1`… for those connected after it.
    public var interface: String
    public var aliases: [String]?
    /// Its IPv6 address there, on an IPv6 network (`--ip6`, or leased as the IPv4 one is).
    public var ipv6Address: String?

    public init(network: String, ipAddress: String, interface: String, aliases: [String]? = nil, ipv6Address: String? = nil) {
        self.network = network; self.ipAddress = ipAddress; self.interface = interface; self.aliases = aliases
        self.ipv6Address = ipv6Address
    }

    /// The most networks a container can be on: interfaces eth0…eth9, whose host ends are
    /// "berth" + 9 hex digits of the id + the digit (15 characters, the kernel's limit).
    public static let maximumPerContainer = 10

    /// The host end of this interface for container `id`: eth0's keeps the name it always had.
    public func hostInterface(id: String) -> String {
        let base = "berth" + String(id.prefix(9))
        return interface == "eth0" ? base : base + String(interface.dropFirst(3))
    }
}

/// Addresses leased to containers: one "IP ID" line each, IPv4 and, on an IPv6 network, IPv6
/// lines in the same file, so one write takes or frees both. Lowest free address first, never
/// one in use; released when the container is removed.
struct Leases {
    var entries: [(IPv4Address, String)]
    var entries6: [(IPv6Address, String)] = []

    static func parse(_ text: String) -> Leases {
        var out = Leases(entries: [])
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { continue }
            if let ip = IPv4Address(String(parts[0])) { out.entries.append((ip, String(parts[1]))) }
            else if let ip = IPv6Address(String(parts[0])) { out.entries6.append((ip, String(parts[1]))) }
        }
        return out
    }

    var text: String { entries.map { "\($0.0) \($0.1)\n" }.joined() + entries6.map { "\($0.0) \($0.1)\n" }.joined() }

    /// `requested` (`--ip`) must be a free host address of the subnet, not its gateway.
    mutating func allocate(for id: String, in net: BridgeNetwork, requested: IPv4Address? = nil) throws -> IPv4Address {
        let subnet = net.subnet
        if let existing = entries.first(where: { $0.1 == id }) { return existing.0 }
        let used = Set(entries.map { $0.0 }).union([net.gateway])
        if let requested {
            guard subnet.contains(requested), requested != subnet.network, requested != subnet.broadcast else {
                throw BerthError.invalidArgument("invalid --ip \(requested): not a host address of network \(net.name.quoted) (\(subnet))")
            }
            guard !used.contains(requested) else {
                throw BerthError.invalidArgument("address \(requested) is already in use on network \(net.name.quoted)")
            }
            entries.append((requested, id))
            return requested
        }
        var candidate = subnet.network.value + 1
        while candidate < subnet.broadcast.value {
            if !used.contains(IPv4Address(candidate)) {
                entries.append((IPv4Address(candidate), id))
                return IPv4Address(candidate)
            }
            candidate += 1
        }
        throw BerthError.invalidState("no free address left on network \(net.name.quoted) (\(subnet))")
    }

    /// The IPv6 address of `id` on an IPv6 network: `requested` (`--ip6`, a free address of the
    /// subnet other than its first, the subnet-router anycast one, and the gateway), else the
    /// lowest free one after the gateway. Nil on an IPv4-only network.
    mutating func allocate6(for id: String, in net: BridgeNetwork, requested: IPv6Address? = nil) throws -> IPv6Address? {
        guard let subnet = net.subnet6, let gateway = net.gateway6 else {
            if let requested { throw BerthError.invalidArgument("invalid --ip6 \(requested): network \(net.name.quoted) has no IPv6 subnet (network create --ipv6)") }
            return nil
        }
        if let existing = entries6.first(where: { $0.1 == id }) { return existing.0 }
        let used = Set(entries6.map { $0.0 }).union([gateway, subnet.network])
        if let requested {
            guard subnet.contains(requested), requested != subnet.network else {
                throw BerthError.invalidArgument("invalid --ip6 \(requested): not a host address of network \(net.name.quoted) (\(subnet))")
            }
            guard !used.contains(requested) else {
                throw BerthError.invalidArgument("address \(requested) is already in use on network \(net.name.quoted)")
            }
            entries6.append((requested, id))
            return requested
        }
        // A /120 has 255 addresses after the anycast one; a larger subnet never runs out here
        // (its leases are at most the containers of the root).
        var candidate = subnet.network.adding(1)
        while subnet.contains(candidate) {
            if !used.contains(candidate) {
                entries6.append((candidate, id))
                return candidate
            }
            if candidate == subnet.last { break }
            candidate = candidate.adding(1)
        }
        throw BerthError.invalidState("no free IPv6 address left on network \(net.name.quoted) (\(subnet))")
    }

    mutating func release(_ id: String) {
        entries.removeAll { $0.1 == id }
        entries6.removeAll { $0.1 == id }
    }

    var ids: Set<String> { Set(entries.map(\.1) + entries6.map(\.1)) }
}
