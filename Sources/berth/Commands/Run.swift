import ArgumentParser
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Create and start a container.",
        discussion: "Without -d, prints the container's output and exits with its exit code. Exit codes 125 (Berth failed), 126 (command not executable) and 127 (command not found) follow docker.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Run in the background and print the container id.") var detach = false
    @OptionGroup var container: ContainerOptions
    @Argument(help: "Image name[:tag] or id.") var image: String
    @Argument(parsing: .captureForPassthrough, help: "Command and arguments (default: the image's).") var command: [String] = []

    func run() throws {
        var exitCode: Int32 = 0
        try withErrors {
            let engine = try global.engine()
            let record = try engine.create(container.request(image: image, command: command, cgroupParent: global.effectiveCgroupParent))
            do { try container.writeCIDFile(record.id) } catch {
                try? engine.remove(record.id, force: true)
                throw error
            }
            do {
                if container.rm && !detach { try engine.attachForRemoval(record.id) }
                try engine.start(record.id)
            } catch {
                // A container that never ran is not worth keeping: leave nothing behind.
                try? engine.remove(record.id, force: true)
                throw error
            }
            if detach {
                print(record.id)
                return
            }
            if container.tty || container.interactive {
                // The attach client relays the terminal; a container that ended before it could
                // connect still has its output in the log and its exit code in its status.
                let argv = try engine.attachArguments(record.id, replay: true)
                let client = try spawnAndWait(argv)
                if let signal = client.forwardedSignal {
                    // We were told to go (SIGTERM, SIGHUP): the client has restored the terminal and
                    // ended. The container runs on, as with docker's -t (no signal proxy); with --rm
                    // its supervisor removes it when it ends, since the process attached for that is gone.
                    exitCode = 128 + signal
                    return
                }
                let code = client.code
                // The supervisor records an exit before it tells attached clients, so a client that
                // ended with 0 while the container still runs was detached (Ctrl-P Ctrl-Q): return
                // at once and leave it running (with --rm, its supervisor removes it when it ends).
                if code == 0, let s = try? engine.inspect(record.id).state, s.isRunning {
                    exitCode = 0
                    return
                }
                exitCode = (try? engine.wait(record.id)) ?? code
            } else {
                // Prints the output as it is logged; the supervisor's exit ends it.
                let supervisor = try engine.supervisorWatch(record.id)
                let out = LogOutput()
                LogReader(path: try engine.logPath(record.id)).follow(until: supervisor) { batch in
                    for line in batch { out.write(line) }
                    out.flush()
                }
                exitCode = try engine.wait(record.id)
            }
            if container.rm { try? engine.remove(record.id, force: true) }
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}
