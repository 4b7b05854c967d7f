import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

struct NetworkInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show networks and their containers as JSON.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Network names (default: bridge).") var names: [String] = []

    struct Member: Encodable { var name: String; var id: String; var ipAddress: String; var interface: String; var aliases: [String]; var ports: [String] }
    /// docker's `IPAM.Config` entry: one per subnet, IPv4 first.
    struct IPAMConfig: Encodable { var Subnet: String; var Gateway: String }
    struct IPAM: Encodable { var Driver = "default"; var Config: [IPAMConfig] }
    struct Output: Encodable {
        var name: String; var driver: String; var interface: String; var subnet: String; var gateway: String
        var subnet6: String?; var gateway6: String?
        var `internal`: Bool; var labels: [String: String]; var interfaceExists: Bool; var containers: [Member]
        /// docker's shape of the same facts, for scripts written against `docker network inspect`.
        var EnableIPv6: Bool; var IPAM: IPAM
    }

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            let out = try (names.isEmpty ? ["bridge"] : names).map { name -> Output in
                try ResourceName.validate(name, kind: .network)
                let net = try engine.network(named: name)
                let members = engine.networkMembers(net.name).map {
                    Member(name: $0.record.name, id: $0.record.id, ipAddress: $0.attachment.ipAddress, interface: $0.attachment.interface,
                           aliases: $0.attachment.aliases ?? [], ports: ($0.record.ports ?? []).map(\.description))
                }
                let ipam = [IPAMConfig(Subnet: net.subnet.description, Gateway: net.gateway.description)]
                    + [net.subnet6.flatMap { s in net.gateway6.map { IPAMConfig(Subnet: s.description, Gateway: $0.description) } }].compactMap { $0 }
                return Output(name: net.name, driver: "bridge", interface: net.bridge, subnet: net.subnet.description,
                              gateway: net.gateway.description, subnet6: net.subnet6?.description, gateway6: net.gateway6?.description,
                              internal: net.internal == true, labels: net.labels ?? [:],
                              interfaceExists: engine.networkInterfaceExists(net), containers: members,
                              EnableIPv6: net.enableIPv6, IPAM: IPAM(Config: ipam))
            }
            // One network prints as one object, as before several could be asked for.
            if out.count == 1 { try printJSON(out[0]) } else { try printJSON(out) }
        }
    }
}
