import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

struct NetworkCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a network (a bridge of its own); prints its name.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("subnet"), help: ArgumentHelp("Its subnet, at most one IPv4 and one IPv6 (default: a free /24 of 10.215.0.0/16; with --ipv6 a free /64 of fd62:6572:7468::/48); must not overlap another network or a route of the host.", valueName: "a.b.c.d/N|x:x::/N")) var subnets: [String] = []
    @Option(name: .customLong("gateway"), help: ArgumentHelp("The bridge's own address in the subnet of its family (default: the subnet's first).", valueName: "address")) var gateways: [String] = []
    @Flag(name: .customLong("ipv6"), help: "Give the network an IPv6 subnet too.") var ipv6 = false
    @Flag(name: .customLong("internal"), help: "No outbound access.") var isInternal = false
    @Option(name: [.customLong("label")], help: ArgumentHelp("Set a label.", valueName: "KEY=VALUE")) var labels: [String] = []
    @Option(name: [.short, .customLong("driver")], help: "Only bridge.") var driver: String = "bridge"
    @Argument(help: "Network name.") var name: String

    func run() throws {
        try withErrors {
            guard driver == "bridge" else {
                if ipv6 { throw BerthError.invalidArgument("--ipv6 needs the bridge driver, not \(driver.quoted)") }
                throw BerthError.invalidArgument("unsupported network driver \(driver.quoted): only bridge")
            }
            let net = try global.engine().createNetwork(name: name, subnets: subnets, gateways: gateways, ipv6: ipv6, isInternal: isInternal,
                                                        labels: try ContainerFlags.labelMap(labels))
            print(net.name)
        }
    }
}
