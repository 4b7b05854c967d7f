import BerthDashboard
import BerthOS
import BerthRuntime
import Foundation
import Glibc
import Synchronization

/// The engine's notices while the dashboard owns the terminal, handed to it with each action's outcome.
final class NoticeBuffer: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    func drain() -> [String] { lines.withLock { l in defer { l = [] }; return l } }
}

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
        forwardSignal: { forwardToWaitedChild($0) },
        runCustom: { run in try runCustomCommand(run, engine: engine) })
}

/// A `commands:` entry of config.yaml, by `/bin/sh -c`, with the selection in its environment
/// and `BERTH_ROOT`/`BERTH_CGROUP_PARENT` set so that a `berth` it calls sees the same containers.
/// In the foreground it has the terminal, then waits for Enter so its output can be read; in the
/// background it has none, and its last line of output is kept for the status bar.
private func runCustomCommand(_ run: CustomCommandRun, engine: Engine) throws -> DashboardActions.CustomCommandResult {
    var environment = run.environment
    environment["BERTH_ROOT"] = engine.root
    if let parent = engine.options.cgroupParent { environment["BERTH_CGROUP_PARENT"] = parent }
    if !run.background {
        let exit = try spawnAndWait(["/bin/sh", "-c", run.command], environment: environment)
        FileHandle.standardOutput.write(Data("\n[berth] \(run.name) exited with \(exit.code). Press Enter to return to the dashboard.".utf8))
        var byte: UInt8 = 0
        while read(STDIN_FILENO, &byte, 1) == 1 && byte != UInt8(ascii: "\n") && byte != UInt8(ascii: "\r") {}
        return .init(status: exit.code, lastLine: nil)
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", run.command]
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    p.standardInput = FileHandle.nullDevice
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    // Read as it comes (a pipe that fills would block the command); keep only the tail.
    var tail = Data()
    while true {
        let chunk = out.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        tail.append(chunk)
        if tail.count > 8192 { tail = tail.suffix(4096) }
    }
    p.waitUntilExit()
    let lines = String(decoding: tail, as: UTF8.self).split(whereSeparator: \.isNewline)
    let code = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
    return .init(status: code, lastLine: lines.last.map { String($0.prefix(200)) })
}
