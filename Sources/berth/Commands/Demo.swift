import ArgumentParser
import BerthDashboard
import BerthOS
import BerthRuntime
import Foundation

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Start the demo stack and open the dashboard on it.",
        discussion: """
            Imports busybox:latest from the host's busybox-static if it is missing, brings up the stack of \
            docs/demo-compose.yaml (web ×3 serving a page, worker ×2 fetching it by name, a burner making \
            the graphs move) as project `demo`, and opens the dashboard: `+`/`-` scale the selected service, \
            `e` opens a shell. Closing the dashboard leaves the stack running; `berth demo --down` removes it. \
            BERTH_DEMO_NETWORK=none|host|bridge overrides the network of every replica.
            """)
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Remove the demo stack.") var down = false
    @Flag(name: .shortAndLong, help: "Start the stack without opening the dashboard.") var detach = false
    @Option(help: "Seconds between two samples (default: the config file's, else 1).") var interval: Double?
    @Option(help: "Theme name (see themes/).") var theme: String?
    @Option(help: "Shell the `e` key runs in a container.") var shell: String = "/bin/sh"

    func run() throws {
        // The demo needs no way out (its network is internal): it never turns on forwarding or NAT
        // on the machine it is shown on, unless BERTH_OUTBOUND says otherwise (docs/networking.md).
        setenv(OutboundSetting.environmentVariable, "off", 0)
        try withServiceErrors {
            let engine = try global.engine()
            if down {
                let results = try engine.down(project: DemoStack.projectName) { print(ScaleReport.describe($0)) }
                if results.isEmpty { print("the demo is not running") }
                return
            }
            guard (interval ?? 1) >= 0.1 && (interval ?? 1) <= 3600 else {
                throw BerthError.invalidArgument("--interval must be between 0.1 and 3600 seconds")
            }
            if try DemoStack.ensureImage(in: engine) { print("imported \(DemoStack.image) from \(BusyboxRootfs.defaultBinary)") }
            let project = try DemoStack.project(network: try DemoStack.networkOverride(), cgroupParent: global.effectiveCgroupParent)
            try engine.up(project) { print(ScaleReport.describe($0)) }
            if detach {
                print("the demo runs: `berth top` shows it, `berth demo --down` removes it")
                return
            }
            let actions = dashboardActions(engine: engine, shell: shell)
            try Dashboard.run(engine: engine, options: DashboardOptions(interval: interval, theme: theme, actions: actions))
            print("the demo keeps running: `berth demo --down` removes it")
        }
    }
}
