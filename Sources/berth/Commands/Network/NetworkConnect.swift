import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

struct NetworkConnect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect", abstract: "Put a container on a network (a running one gets its interface at once).")
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Its IPv4 address there (default: the lowest free one).", valueName: "address")) var ip: String?
    @Option(help: ArgumentHelp("Its IPv6 address there, on a network made with --ipv6 (default: the lowest free one).", valueName: "address")) var ip6: String?
    @Option(name: .customLong("alias"), help: ArgumentHelp("Another name it answers to there.", valueName: "name")) var aliases: [String] = []
    @Argument(help: "Network name.") var network: String
    @Argument(help: "Container name or id.") var container: String

    func run() throws {
        try withErrors {
            try ResourceName.validate(network, kind: .network)
            try global.engine().connect(network: network, container: container, ip: ip, ip6: ip6, aliases: aliases)
        }
    }
}
