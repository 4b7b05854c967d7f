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
            let shell = self.shell
            let actions = DashboardActions(scale: { service, replicas in _ = try engine.scale(service, to: replicas) }, exec: { id in
                // The dashboard has handed the terminal over; the shim relays it to a pty in the container.
                let argv = try engine.prepareExec(id, ExecRequest(command: [shell], tty: true, interactive: true))
                let code = try spawnAndWait(argv)
                switch code {
                case 0, 130: return
                case 126, 127: throw BerthError.invalidArgument("cannot run \(shell) in the container (exit \(code))")
                default: return // the shell's own exit status is the user's business
                }
            })
            try Dashboard.run(engine: engine, options: DashboardOptions(interval: interval, theme: theme, showAll: all, actions: actions))
        }
    }
}

/// posix_spawn + waitpid: the child shares our terminal; no Foundation polling.
func spawnAndWait(_ argv: [String]) throws -> Int32 {
    var pid: pid_t = 0
    let rc = withCStringArray(argv) { cargv in
        posix_spawn(&pid, argv[0], nil, nil, UnsafeMutablePointer(mutating: cargv), environ)
    }
    guard rc == 0 else { throw BerthError.system(operation: "spawn", path: argv[0], errno: rc) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    if status & 0x7f == 0 { return (status >> 8) & 0xff }
    return 128 + (status & 0x7f)
}
