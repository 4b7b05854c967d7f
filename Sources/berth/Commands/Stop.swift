import ArgumentParser
import BerthOS
import BerthRuntime

struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop containers: SIGTERM, then SIGKILL after the timeout.")
    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .customLong("time")], help: "Seconds to wait before SIGKILL (default: the container's --stop-timeout, else 10).") var time: Int?
    @Argument(help: "Container names or ids.") var containers: [String]

    func run() throws {
        try withErrors {
            guard (time ?? 0) >= 0 else { throw BerthError.invalidArgument("--time must not be negative") }
            let engine = try global.engine()
            try forEach(containers) { try engine.stop($0, timeout: time) }
        }
    }
}
