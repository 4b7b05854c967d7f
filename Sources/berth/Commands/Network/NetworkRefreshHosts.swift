import ArgumentParser
import BerthRuntime
import Foundation

/// What a networked container's supervisor runs when the container ends for good: the other
/// members' /etc/hosts no longer list it. Not for users (hidden), harmless if run by hand.
struct NetworkRefreshHosts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh-hosts", abstract: "Rewrite the /etc/hosts of every container on a network.", shouldDisplay: false)
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try withErrors { try global.engine().refreshHostsFiles() }
    }
}
