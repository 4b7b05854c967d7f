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
    @Option(name: .customLong("context"), help: ArgumentHelp("A host to show (a context, `default` for this one); repeat it for one dashboard over several.", valueName: "name"))
    var contexts: [String] = []
    @Flag(name: .customLong("all-contexts"), help: "One dashboard over this host and every context.") var allContexts = false
    @Option(name: .customLong("runc-root"), help: ArgumentHelp("Also show, read-only, the containers of a runc-style state root another engine drives (containerd's /run/containerd/runc/NAMESPACE, podman's /run/runc or /run/crun, a berth-runc --root; runc, crun and berth-runc formats); repeatable.", valueName: "dir"))
    var runcRoots: [String] = []
    @Argument(help: "A container whose processes to list instead of the dashboard.") var container: String?
    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("Options for ps (default -ef).", valueName: "ps options"))
    var psOptions: [String] = []

    func run() throws {
        if let container {
            guard runcRoots.isEmpty else {
                throw ValidationError("--runc-root is for the dashboard; `berth top \(container)` lists a Berth container's processes")
            }
            guard contexts.isEmpty && !allContexts else {
                throw ValidationError("--context after `top` names the dashboard's hosts; for a container's processes use `berth --context NAME top \(container)`")
            }
            try withRuntimeErrors { try ContainerTop.print(global: global, container: container, options: psOptions) }
            return
        }
        try withErrors {
            guard (interval ?? 1) >= 0.1 && (interval ?? 1) <= 3600 else {
                throw BerthError.invalidArgument("--interval must be between 0.1 and 3600 seconds")
            }
            if !contexts.isEmpty || allContexts {
                guard runcRoots.isEmpty else {
                    throw BerthError.invalidArgument("--runc-root shows this host's runtime roots; it cannot be combined with --context")
                }
                let names = try FleetDashboard.hostNames(contexts: contexts, all: allContexts, environment: ProcessInfo.processInfo.environment)
                try FleetDashboard.run(hosts: names, interval: interval ?? 1,
                                       options: DashboardOptions(interval: interval, theme: theme, showAll: all), shell: shell)
                return
            }
            let notices = NoticeBuffer()
            let roots = try runcRoots.map { try RuntimeRootReader(root: $0) }
            let engine = try global.engine(notice: notices.append)
            var actions = dashboardActions(engine: engine, shell: shell)
            actions.notices = notices.drain
            guard !roots.isEmpty else {
                try Dashboard.run(engine: engine, options: DashboardOptions(interval: interval, theme: theme, showAll: all, actions: actions))
                return
            }
            let shown = RuntimeRootsEngine(own: engine, roots: roots)
            actions = readOnlyForeign(actions, shown)
            try Dashboard.run(engine: shown, options: DashboardOptions(interval: interval, theme: theme, showAll: all, actions: actions))
        }
    }
}

/// The dashboard's `e` (a shell in the container) refused for another engine's containers, as
/// the engine's verbs are. Custom commands still run: they are the user's own (a `ctr task kill
/// $ID` is what one would bind for such rows).
private func readOnlyForeign(_ actions: DashboardActions, _ engine: RuntimeRootsEngine) -> DashboardActions {
    var a = actions
    guard let exec = actions.exec else { return a }
    a.exec = { id in
        if let refusal = engine.readOnlyRefusal(id) { throw refusal }
        return try exec(id)
    }
    return a
}
