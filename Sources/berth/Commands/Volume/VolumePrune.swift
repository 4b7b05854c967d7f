import ArgumentParser
import BerthRuntime

struct VolumePrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Remove the anonymous volumes no container uses (all unused ones with --all).")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Also remove unused named volumes.") var all = false
    @Flag(name: .shortAndLong, help: "Do not ask (Berth never asks; accepted for docker's scripts).") var force = false

    func run() throws {
        try withErrors {
            let removed = try global.engine().pruneVolumes(all: all)
            if !removed.isEmpty { print("Deleted Volumes:"); removed.forEach { print($0) } }
            print("Total: \(removed.count) volume\(removed.count == 1 ? "" : "s") removed")
        }
    }
}
