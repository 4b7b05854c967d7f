import ArgumentParser
import BerthRuntime

struct ContextRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove contexts (the one in use falls back to `default`).", aliases: ["remove"])
    @Argument(help: "Context names.") var names: [String]

    func run() throws {
        try withErrors {
            let store = ContextStore()
            for name in names {
                try store.remove(name)
                print(name)
            }
        }
    }
}
