import ArgumentParser
import BerthOS
import BerthRuntime

struct SystemStream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream", abstract: "Print the engine's snapshots and events as JSON lines until stdin ends.",
        discussion: "For remote front ends (`berth --context NAME system stream`): a hello with the protocol version, then a snapshot (host, containers, stats, replicas) every interval and each event as it happens. The format is in docs/stream.md.")
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Seconds between two snapshots.", valueName: "seconds")) var interval: Double = 1

    func run() throws {
        try withErrors {
            guard interval >= 0.1 && interval <= 3600 else {
                throw BerthError.invalidArgument("--interval must be between 0.1 and 3600 seconds")
            }
            try global.engine().stream(interval: interval, berthVersion: Berth.configuration.version)
        }
    }
}
