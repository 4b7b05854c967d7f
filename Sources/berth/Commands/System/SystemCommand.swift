import ArgumentParser

/// `berth system`: the engine as a whole (`df`, `prune`, and the dashboard's `stream`).
struct SystemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "system", abstract: "The engine as a whole: disk use, prune, the event stream.",
        subcommands: [SystemDF.self, SystemPrune.self, SystemStream.self])
}
