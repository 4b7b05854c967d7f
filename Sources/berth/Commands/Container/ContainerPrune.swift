import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

struct ContainerPrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove every stopped container.")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var force = false
    @Option(help: ArgumentHelp("until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE] (repeatable).", valueName: "filter")) var filter: [String] = []

    func run() throws {
        try withRuntimeErrors {
            let filter = try PruneFilter(self.filter)
            guard force || confirmed("This will remove all stopped containers.") else { return }
            let engine = try global.engine()
            let removed = try engine.pruneContainers(filter)
            if !removed.isEmpty { print("Deleted Containers:\n" + removed.joined(separator: "\n") + "\n") }
            print("Total reclaimed containers: \(removed.count)")
        }
    }
}
