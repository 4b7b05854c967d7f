import ArgumentParser
import BerthRuntime

struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Freeze every process of running containers (the cgroup freezer).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Container names or ids.") var containers: [String]

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            try forEach(containers) { try engine.pause($0) }
        }
    }
}
