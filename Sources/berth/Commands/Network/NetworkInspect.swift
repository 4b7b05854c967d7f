import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

struct NetworkInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show the bridge network and its containers as JSON.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Network name (bridge).") var name: String = "bridge"

    struct Member: Encodable { var name: String; var id: String; var ipAddress: String?; var ports: [String] }
    struct Output: Encodable {
        var name: String; var driver: String; var interface: String; var subnet: String; var gateway: String
        var interfaceExists: Bool; var containers: [Member]
    }

    func run() throws {
        try withErrors {
            try ResourceName.validate(name, kind: .network)
            guard name == "bridge" else { throw BerthError.invalidArgument("no such network: \(name.quoted) (Berth has one bridge network, 'bridge')") }
            let engine = try global.engine()
            let net = try engine.bridgeNetwork()
            let members = try engine.list(all: true).filter { $0.network == .bridge }.map {
                Member(name: $0.name, id: $0.id, ipAddress: $0.ipAddress, ports: $0.ports.map(\.description))
            }
            try printJSON(Output(name: net.name, driver: "bridge", interface: net.bridge, subnet: net.subnet.description,
                                 gateway: net.gateway.description, interfaceExists: engine.bridgeInterfaceExists(),
                                 containers: members))
        }
    }
}
