import BerthOS
import Foundation

/// What `network create` was asked for, its flags read as docker reads them: `--subnet` given at
/// most once per family (one IPv4, one IPv6), each `--gateway` matched to the subnet of its own
/// family, and `--ipv6` needed for any IPv6. A pure value: every refusal is one line a user can act
/// on, with the text they gave escaped.
public struct NetworkSubnetRequest: Equatable, Sendable {
    public var subnet: IPv4Subnet?
    public var gateway: IPv4Address?
    /// `--ipv6`: the network gets an IPv6 subnet (`subnet6`, or one of Berth's pool).
    public var ipv6: Bool
    public var subnet6: IPv6Subnet?
    public var gateway6: IPv6Address?

    public init(subnet: IPv4Subnet? = nil, gateway: IPv4Address? = nil, ipv6: Bool = false,
                subnet6: IPv6Subnet? = nil, gateway6: IPv6Address? = nil) {
        self.subnet = subnet; self.gateway = gateway; self.ipv6 = ipv6; self.subnet6 = subnet6; self.gateway6 = gateway6
    }

    public static func parse(subnets: [String], gateways: [String], ipv6: Bool) throws -> NetworkSubnetRequest {
        var r = NetworkSubnetRequest(ipv6: ipv6)
        for text in subnets {
            if text.contains(":") {
                guard r.subnet6 == nil else { throw BerthError.invalidArgument("--subnet is given twice for IPv6: at most one IPv4 and one IPv6 subnet") }
                r.subnet6 = try IPv6Subnet(parsing: text)
            } else {
                guard r.subnet == nil else { throw BerthError.invalidArgument("--subnet is given twice for IPv4: at most one IPv4 and one IPv6 subnet") }
                r.subnet = try IPv4Subnet(parsing: text)
            }
        }
        for text in gateways {
            if text.contains(":") {
                guard let ip = IPv6Address(text) else { throw BerthError.invalidArgument("invalid --gateway \(text.quoted): expected an IPv6 address") }
                guard r.gateway6 == nil else { throw BerthError.invalidArgument("--gateway is given twice for IPv6") }
                r.gateway6 = ip
            } else {
                guard let ip = IPv4Address(text) else { throw BerthError.invalidArgument("invalid --gateway \(text.quoted): expected an IPv4 address") }
                guard r.gateway == nil else { throw BerthError.invalidArgument("--gateway is given twice for IPv4") }
                r.gateway = ip
            }
        }
        if r.gateway != nil && r.subnet == nil { throw BerthError.invalidArgument("--gateway needs --subnet") }
        if let g = r.gateway6 {
            guard let s = r.subnet6 else { throw BerthError.invalidArgument("--gateway \(g) needs an IPv6 --subnet") }
            // The subnet-router anycast address (the subnet's first) is no host's.
            guard s.contains(g), g != s.network else { throw BerthError.invalidArgument("invalid --gateway \(g): not a host address of \(s)") }
        }
        if let s = r.subnet6, !ipv6 { throw BerthError.invalidArgument("--subnet \(s) is IPv6: add --ipv6") }
        return r
    }
}
