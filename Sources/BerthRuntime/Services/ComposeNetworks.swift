import BerthOS
import Foundation
import Yams

/// A network of a compose project: a top-level `networks:` entry, or the project's `default`.
public struct ComposeNetwork: Sendable, Equatable {
    /// The key in the file (`front`), which services name; `default` for the project's default.
    public var key: String
    /// The network's name in the root: `PROJECT_KEY` as compose names it (`shop_default`), or
    /// `name:` as given, or the key itself when `external: true`.
    public var name: String
    /// Made elsewhere (`berth network create`): `up` requires it, `down` keeps it.
    public var external: Bool
    public var `internal`: Bool
    public var labels: [String: String]
    /// `ipam.config`'s IPv4 entry: `subnet` and `gateway`; nil = chosen by `network create`.
    public var subnet: String?
    public var gateway: String?
    /// `enable_ipv6`, and `ipam.config`'s IPv6 entry (which needs it, as `--subnet` needs `--ipv6`).
    public var enableIPv6 = false
    public var subnet6: String?
    public var gateway6: String?

    public init(key: String, name: String, external: Bool = false, internal: Bool = false, labels: [String: String] = [:],
                subnet: String? = nil, gateway: String? = nil) {
        self.key = key; self.name = name; self.external = external; self.internal = `internal`; self.labels = labels
        self.subnet = subnet; self.gateway = gateway
    }
}

/// Compose's `networks:`, at the top level and in a service (a list of keys, or a mapping of
/// keys to `aliases` and `ipv4_address`). A service without `networks:` or `network_mode` is on
/// the project's `default` network, `PROJECT_default`, as compose does.
extension Reader {
    mutating func topLevelNetworks(_ node: Node, project: String) throws -> [String: ComposeNetwork] {
        var out: [String: ComposeNetwork] = [:]
        for (key, value) in try mapping(node, "networks") {
            let path = "networks.\(key)"
            do { try ResourceName.validate(key, kind: .network) } catch { throw fail(path, error.description) }
            var n = ComposeNetwork(key: key, name: project + "_" + key)
            var explicitName: String?
            if !Self.isNull(value) {
                for (k, item) in try mapping(value, path) {
                    let p = "\(path).\(k)"
                    switch k {
                    case "name": explicitName = try string(item, p)
                    case "external": n.external = try boolean(item, p)
                    case "internal": n.internal = try boolean(item, p)
                    case "enable_ipv6": n.enableIPv6 = try boolean(item, p)
                    case "labels": n.labels = try labels(item, p)
                    case "driver":
                        guard try string(item, p) == "bridge" else { throw fail(p, "only the bridge driver exists") }
                    case "ipam": try ipam(item, p, &n)
                    default:
                        if !k.hasPrefix("x-") { warn("\(p): not supported, ignored") }
                    }
                }
            }
            if n.subnet6 != nil && !n.enableIPv6 { throw fail("\(path).ipam.config", "an IPv6 subnet needs enable_ipv6: true") }
            if let explicitName { n.name = explicitName } else if n.external { n.name = key }
            do { try ResourceName.validate(n.name, kind: .network) } catch { throw fail(path, error.description) }
            if BridgeNetwork.reservedNames.contains(n.name) { throw fail(path, "the network name \(n.name.quoted) is reserved") }
            out[key] = n
        }
        return out
    }

    private mutating func ipam(_ node: Node, _ path: String, _ n: inout ComposeNetwork) throws {
        for (k, item) in try mapping(node, path) {
            let p = "\(path).\(k)"
            switch k {
            case "config":
                guard case .sequence(let seq) = item else { throw fail(p, "expected a list") }
                guard seq.count <= 2 else { throw fail(p, "at most two subnets per network, one IPv4 and one IPv6") }
                for (i, entry) in seq.enumerated() {
                    // The entry's family is its subnet's: an IPv6 one has a colon.
                    let entries = try mapping(entry, "\(p)[\(i)]")
                    let v6 = entries.contains { $0.0 == "subnet" && ((try? string($0.1, "")) ?? "").contains(":") }
                    if v6 ? n.subnet6 != nil : n.subnet != nil { throw fail("\(p)[\(i)]", "a second \(v6 ? "IPv6" : "IPv4") subnet") }
                    var subnet: String?, gateway: String?
                    for (ck, cv) in entries {
                        let cp = "\(p)[\(i)].\(ck)"
                        switch ck {
                        case "subnet":
                            let text = try string(cv, cp)
                            do {
                                if v6 { _ = try IPv6Subnet(parsing: text) } else { _ = try IPv4Subnet(parsing: text) }
                            } catch let e as BerthError { throw fail(cp, e.description) }
                            subnet = text
                        case "gateway":
                            let text = try string(cv, cp)
                            guard v6 ? IPv6Address(text) != nil : IPv4Address(text) != nil else {
                                throw fail(cp, "expected an \(v6 ? "IPv6" : "IPv4") address (the subnet's family), not \(text.quoted)")
                            }
                            gateway = text
                        default: warn("\(cp): not supported, ignored")
                        }
                    }
                    if gateway != nil && subnet == nil { throw fail("\(p)[\(i)].gateway", "needs a subnet") }
                    if v6 { n.subnet6 = subnet; n.gateway6 = gateway } else { n.subnet = subnet; n.gateway = gateway }
                }
            case "driver":
                guard try string(item, p) == "default" else { throw fail(p, "only the default IPAM driver exists") }
            default: warn("\(p): not supported, ignored")
            }
        }
    }

    /// A service's `networks:` as (key, aliases, ipv4_address), in the file's order.
    mutating func serviceNetworks(_ node: Node, _ path: String) throws -> [(key: String, aliases: [String], ip: String?)] {
        var out: [(key: String, aliases: [String], ip: String?)] = []
        switch node {
        case .sequence:
            out = try stringList(node, path).map { ($0, [], nil) }
        case .mapping:
            for (key, value) in try mapping(node, path) {
                var entry: (key: String, aliases: [String], ip: String?) = (key, [], nil)
                if !Self.isNull(value) {
                    for (k, item) in try mapping(value, "\(path).\(key)") {
                        let p = "\(path).\(key).\(k)"
                        switch k {
                        case "aliases":
                            entry.aliases = try stringList(item, p)
                            for a in entry.aliases where !Engine.isValidHostname(a) { throw fail(p, "invalid alias \(a.quoted)") }
                        case "ipv4_address":
                            let text = try string(item, p)
                            guard IPv4Address(text) != nil else { throw fail(p, "expected an IPv4 address, not \(text.quoted)") }
                            entry.ip = text
                        default: warn("\(p): not supported, ignored")
                        }
                    }
                }
                out.append(entry)
            }
        default: throw fail(path, "expected a list of networks or a mapping")
        }
        guard out.count <= NetworkAttachment.maximumPerContainer else {
            throw fail(path, "at most \(NetworkAttachment.maximumPerContainer) networks per service")
        }
        for e in out where e.key != "default" && declaredNetworks[e.key] == nil {
            throw fail(path, "network \(e.key.quoted) is not declared in the top-level networks:")
        }
        return out
    }

    /// The project's network for a key a service names (`default` needs no declaration).
    mutating func composeNetwork(_ key: String, project: String) -> ComposeNetwork {
        if let n = declaredNetworks[key] { return n }
        let n = ComposeNetwork(key: key, name: project + "_" + key)
        declaredNetworks[key] = n
        return n
    }
}
