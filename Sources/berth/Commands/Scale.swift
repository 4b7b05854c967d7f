import ArgumentParser
import BerthOS
import BerthRuntime

struct Scale: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale", abstract: "Set the number of replicas of services.",
        discussion: "New replicas start concurrently; when scaling down, the highest-numbered replicas are stopped (SIGTERM, then SIGKILL after the stop timeout) and removed. Concurrent calls on one service run one after the other.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .shortAndLong, help: "Seconds a stopping replica gets between SIGTERM and SIGKILL (default: the service's).") var time: Int?
    @Argument(help: ArgumentHelp("Services and their replica counts.", valueName: "SERVICE=N")) var targets: [String]

    func run() throws {
        try withServiceErrors {
            let parsed = try targets.map(Self.parseTarget)
            let engine = try global.engine()
            for (service, _) in parsed { _ = try engine.service(service) }
            for (service, n) in parsed { print(ScaleReport.describe(try engine.scale(service, to: n, stopTimeout: time))) }
        }
    }

    /// `web=5` → ("web", 5).
    static func parseTarget(_ text: String) throws -> (String, Int) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let n = Int(parts[1]), n >= 0 else {
            throw BerthError.invalidArgument("invalid scale target \(text.quoted): expected SERVICE=N with N ≥ 0")
        }
        return (String(parts[0]), n)
    }
}
