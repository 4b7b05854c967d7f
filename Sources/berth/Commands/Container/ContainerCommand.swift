import ArgumentParser

struct ContainerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "container", abstract: "Manage containers as a group.",
        subcommands: [ContainerPrune.self, Inspect.self])
}
