import ArgumentParser
import BerthDashboard
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct Top: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "top", abstract: "Open the live dashboard; with a container, list its processes (ps options after it).",
        discussion: "`berth top` opens the dashboard. `berth top CONTAINER [ps OPTIONS]` prints the host's `ps` (default -ef) for the container's processes, as docker's top.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Seconds between two samples (default: the config file's, else 1).") var interval: Double?
    @Option(help: "Theme name (see themes/).") var theme: String?
    @Option(help: "Shell the `e` key runs in a container.") var shell: String = "/bin/sh"
    @Flag(name: .shortAndLong, help: "Show exited containers too.") var all = false
    @Argument(help: "A container whose processes to list instead of the dashboard.") var container: String?
    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("Options for ps (default -ef).", valueName: "ps options"))
    var psOptions: [String] = []

    func run() throws {
        if let container {
            try withRuntimeErrors { try ContainerTop.print(global: global, container: container, options: psOptions) }
            return
        }
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
