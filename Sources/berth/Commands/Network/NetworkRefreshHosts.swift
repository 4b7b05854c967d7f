import ArgumentParser
import BerthRuntime
import Foundation

/// What a networked container's supervisor runs when the container ends for good: its names
/// leave the networks' membership files (the other members' DNS servers stop answering them).
/// The name is the one older plans carry. Not for users (hidden), harmless if run by hand.
struct NetworkRefreshHosts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh-hosts", abstract: "Rewrite the membership files the containers' DNS servers answer from.", shouldDisplay: false)
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try withErrors { try global.engine().refreshNetworkNames() }
    }
}
