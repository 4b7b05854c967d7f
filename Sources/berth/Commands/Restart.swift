import ArgumentParser
import BerthRuntime

struct Restart: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restart", abstract: "Stop then start containers.")
    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .customLong("time")], help: "Seconds to wait before SIGKILL (default: the container's --stop-timeout, else 10).") var time: Int?
    @Argument(help: "Container names or ids.") var containers: [String]

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            try forEach(containers) { try engine.restart($0, timeout: time) }
        }
    }
}
