import ArgumentParser
import BerthOS
import BerthRuntime

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "List the files a container added (A), changed (C) or deleted (D) in its image's filesystem.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Container name or id.") var container: String

    func run() throws {
        try withRuntimeErrors {
            try ResourceName.validate(container, kind: .container)
            for change in try global.engine().diff(container) { print(Quoted.escapeControls(change.description)) }
        }
    }
}
