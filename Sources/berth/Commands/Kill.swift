import ArgumentParser
import BerthRuntime

struct Kill: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kill", abstract: "Send a signal to containers' init process (default SIGKILL).")
    @OptionGroup var global: GlobalOptions
    @Option(name: .shortAndLong, help: "Signal name or number.") var signal: String = "KILL"
    @Argument(help: "Container names or ids.") var containers: [String]

    func run() throws {
        try withErrors {
            let sig = try SignalName.parse(signal)
            let engine = try global.engine()
            try forEach(containers) { try engine.kill($0, signal: sig) }
        }
    }
}
