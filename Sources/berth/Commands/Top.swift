import ArgumentParser
import BerthDashboard
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct Top: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "top", abstract: "Open the live dashboard of containers, their stats and logs.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Seconds between two samples (default: the config file's, else 1).") var interval: Double?
    @Option(help: "Theme name (see themes/).") var theme: String?
    @Option(help: "Shell the `e` key runs in a container.") var shell: String = "/bin/sh"
    @Flag(name: .shortAndLong, help: "Show exited containers too.") var all = false

    func run() throws {
        try withErrors {
            guard (interval ?? 1) >= 0.1 && (interval ?? 1) <= 3600 else {
                throw BerthError.invalidArgument("--interval must be between 0.1 and 3600 seconds")
            }
            let engine = try global.engine()
            let actions = dashboardActions(engine: engine, shell: shell)
            try Dashboard.run(engine: engine, options: DashboardOptions(interval: interval, theme: theme, showAll: all, actions: actions))
        }
    }
}
