import ArgumentParser

struct SystemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "system", abstract: "The engine as a whole.",
        subcommands: [SystemStream.self])
}
