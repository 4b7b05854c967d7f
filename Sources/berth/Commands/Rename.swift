import ArgumentParser
import BerthRuntime

struct Rename: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rename", abstract: "Give a container a new name.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Container name or id.") var container: String
    @Argument(help: "The new name.") var newName: String

    func run() throws {
        try withRuntimeErrors {
            let engine = try global.engine()
            try engine.renameContainer(container, to: newName)
        }
    }
}
