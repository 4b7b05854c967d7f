import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The Swift side of talking to `berth-shim` (architecture.md, "The shim protocol"): launching a
/// supervisor for a plan, the control protocol (the `stop` marker and signals), and the argv of
/// the shim's other modes. Waiting for a supervisor goes through `SupervisorWatch`.
struct ShimClient: Sendable {
    let shimPath: String

    /// Writes the plan, spawns the supervisor and returns the container's host PID.
    func launch(_ plan: LaunchPlan, planPath: String) throws -> Int32 {
        try ShimLauncher(shimPath: shimPath).launch(plan, planPath: planPath)
    }

    /// Stops the container of the live supervisor `shimPid` (whose status was `status`): `signal`
    /// to the init, SIGKILL after `timeout` seconds (if `currentStatus` still says running), and
    /// waits for the supervisor to record the exit and end. False when it did not within 30 s more.
    func stop(supervisor shimPid: Int32, status s: ShimStatus, paths p: ContainerPaths, signal: Int32, timeout: Int,
              currentStatus: () -> ShimStatus?) -> Bool {
        // The marker holds the grace period: told with SIGUSR1, the supervisor sends SIGKILL when
        // it ends even if this caller is gone by then (a closed dashboard, a killed CLI). Written in
        // place and best effort: stopping must work on a full filesystem (the supervisor then falls
        // back to its default grace period, and this caller sends SIGKILL itself).
        FileIO.writeBestEffort(p.stopMarker, string: "\(timeout)\n")
        // A container waiting in its restart backoff has no process: the marker is enough.
        let supervisor = SupervisorWatch(pid: shimPid, startTime: s.shimStart)
        if s.status == "running", let pid = s.pid {
            _ = Glibc.kill(pid, signal)
            if signal != SIGKILL { _ = Glibc.kill(shimPid, SIGUSR1) }
            if supervisor.waitForExit(timeout: Double(timeout)) { return true }
            if let now = currentStatus(), let pid = now.pid, now.status == "running" { _ = Glibc.kill(pid, SIGKILL) }
        }
        return supervisor.waitForExit(timeout: 30)
    }

    /// Sends `signal` to the container's init. A signal that ends it (KILL, TERM, INT, QUIT) is a
    /// user ending the container: the marker keeps the restart policy from bringing it back. Best
    /// effort: a full filesystem must not keep a container from being killed.
    func signal(init pid: Int32, _ signal: Int32, paths p: ContainerPaths) throws {
        if [SIGKILL, SIGTERM, SIGINT, SIGQUIT].contains(signal) {
            FileIO.writeBestEffort(p.stopMarker, string: "")
        }
        guard Glibc.kill(pid, signal) == 0 else { throw BerthError.errno("kill \(pid)") }
    }

    /// argv that runs a written exec plan: `berth-shim --exec PLAN`.
    func execArguments(plan: String) -> [String] { [shimPath, "--exec", plan] }

    /// argv of the attach client: `berth-shim --attach STATE_DIR [-i] [-t] [--replay]`.
    func attachArguments(directory: String, interactive: Bool, tty: Bool, replay: Bool, signalProxy: Bool = false) -> [String] {
        var argv = [shimPath, "--attach", directory]
        if interactive { argv.append("-i") }
        if tty { argv.append("-t") }
        if replay { argv.append("--replay") }
        if signalProxy { argv.append(Engine.attachSignalProxyFlag) }
        return argv
    }
}
