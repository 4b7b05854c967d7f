import ArgumentParser
import BerthRuntime

struct Unpause: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unpause", abstract: "Thaw the processes of paused containers.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Container names or ids.") var containers: [String]

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            try forEach(containers) { try engine.unpause($0) }
        }
    }
}
