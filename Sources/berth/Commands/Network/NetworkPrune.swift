import ArgumentParser
import BerthRuntime
import Foundation

struct NetworkPrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove every network no container is on (not the default bridge).")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Do not ask (Berth never asks; accepted for docker's scripts).") var force = false

    func run() throws {
        try withErrors {
            let removed = try global.engine().pruneNetworks()
            if !removed.isEmpty { print("Deleted Networks:"); removed.forEach { print($0) } }
        }
    }
}
