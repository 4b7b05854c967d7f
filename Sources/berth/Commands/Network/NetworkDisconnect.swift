import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

struct NetworkDisconnect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disconnect", abstract: "Take a container off a network (a running one loses its interface at once).")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "No error when the container is not on the network.") var force = false
    @Argument(help: "Network name.") var network: String
    @Argument(help: "Container name or id.") var container: String

    func run() throws {
        try withErrors {
            try ResourceName.validate(network, kind: .network)
            try global.engine().disconnect(network: network, container: container, force: force)
        }
    }
}
