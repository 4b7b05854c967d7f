import ArgumentParser
import BerthRuntime

struct ContextUse: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "use", abstract: "Run later commands on this context (`default`: the local engine).")
    @Argument(help: "The context's name.") var name: String

    func run() throws {
        try withErrors {
            try ContextStore().use(name)
            print(name)
        }
    }
}
