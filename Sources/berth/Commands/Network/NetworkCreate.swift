import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

struct NetworkCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a network (a bridge of its own; no outbound access yet); prints its name.")
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Its IPv4 subnet (default: a free /24 of 10.215.0.0/16); must not overlap another network or a route of the host.", valueName: "a.b.c.d/N")) var subnet: String?
    @Option(help: ArgumentHelp("The bridge's own address (default: the subnet's first).", valueName: "address")) var gateway: String?
    @Flag(name: .customLong("internal"), help: "No outbound access (every network is internal for now).") var isInternal = false
    @Option(name: [.customLong("label")], help: ArgumentHelp("Set a label.", valueName: "KEY=VALUE")) var labels: [String] = []
    @Option(name: [.short, .customLong("driver")], help: "Only bridge.") var driver: String = "bridge"
    @Argument(help: "Network name.") var name: String

    func run() throws {
        try withErrors {
            guard driver == "bridge" else { throw BerthError.invalidArgument("unsupported network driver \(driver.quoted): only bridge") }
            let net = try global.engine().createNetwork(name: name, subnet: subnet, gateway: gateway, isInternal: isInternal,
                                                        labels: try ContainerFlags.labelMap(labels))
            print(net.name)
        }
    }
}
