import BerthDashboard
import BerthOS
import BerthRuntime

/// The dashboard's actions as `berth top` and `berth demo` wire them: scale through the engine,
/// and `e` runs an interactive shell in the container with the terminal handed over.
func dashboardActions(engine: Engine, shell: String) -> DashboardActions {
    DashboardActions(
        scale: { service, replicas in _ = try engine.scale(service, to: replicas) },
        exec: { id in
            // The dashboard has handed the terminal over; the shim relays it to a pty in the container.
            let argv = try engine.prepareExec(id, ExecRequest(command: [shell], tty: true, interactive: true))
            let exit = try spawnAndWait(argv)
            // A SIGTERM or SIGHUP that came meanwhile was meant for the dashboard too: the client
            // ended the session (hanging up a shell that ignores SIGTERM), and the dashboard quits.
            if exit.forwardedSignal != nil { return .signalled }
            if exit.code == 126 || exit.code == 127 {
                throw BerthError.invalidArgument("cannot run \(shell) in the container (exit \(exit.code))")
            }
            return .returned // the shell's own exit status is the user's business
        },
        forwardSignal: { forwardToWaitedChild($0) })
}
