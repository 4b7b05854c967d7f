import ArgumentParser
import BerthRuntime
import Foundation

struct NetworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network", abstract: "Inspect and remove Berth's bridge network.",
        subcommands: [NetworkList.self, NetworkInspect.self, NetworkRemove.self])
}
