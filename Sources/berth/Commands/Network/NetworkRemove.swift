import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

struct NetworkRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove the bridge interface (refused while containers use it).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Network name (bridge).") var name: String = "bridge"

    func run() throws {
        try withErrors {
            try ResourceName.validate(name, kind: .network)
            guard name == "bridge" else { throw BerthError.invalidArgument("no such network: \(name.quoted)") }
            try global.engine().removeBridgeNetwork()
        }
    }
}
