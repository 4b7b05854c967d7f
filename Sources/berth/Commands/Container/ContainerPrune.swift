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
            if !force {
                FileHandle.standardError.write(Data("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ".utf8))
                let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
                guard answer == "y" || answer == "yes" else { return }
            }
            let engine = try global.engine()
            let removed = try engine.pruneContainers(filter)
            if !removed.isEmpty { print("Deleted Containers:\n" + removed.joined(separator: "\n") + "\n") }
            print("Total reclaimed containers: \(removed.count)")
        }
    }
}
