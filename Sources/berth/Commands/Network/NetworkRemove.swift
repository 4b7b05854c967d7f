import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

struct NetworkRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove networks and their bridges (refused while containers are on them).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Network names (default: bridge, whose interface alone goes: it is defined again at its next use).") var names: [String] = []

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            for name in names.isEmpty ? ["bridge"] : names {
                try ResourceName.validate(name, kind: .network)
                try engine.removeNetwork(name)
                if !names.isEmpty { print(name) }
            }
        }
    }
}
