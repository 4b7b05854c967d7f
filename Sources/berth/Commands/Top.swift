import ArgumentParser
import BerthDashboard
import BerthRuntime

struct Top: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Open the live dashboard of containers, their stats and logs.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Seconds between two samples.") var interval: Double = 1
    @Option(help: "Theme name (see themes/).") var theme: String?
    @Flag(name: .shortAndLong, help: "Show exited containers too.") var all = false

    func run() throws {
        try withErrors {
            guard interval >= 0.1 && interval <= 3600 else {
                throw BerthError.invalidArgument("--interval must be between 0.1 and 3600 seconds")
            }
            let engine = try global.engine()
            try Dashboard.run(engine: engine, options: DashboardOptions(interval: interval, theme: theme, showAll: all))
        }
    }
}
