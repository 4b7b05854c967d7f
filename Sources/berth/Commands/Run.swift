import ArgumentParser
import BerthRuntime
import CBerthSys
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
                let code = try spawnAndWait(argv)
                exitCode = (try? engine.wait(record.id)) ?? code
                if code == 0, let s = try? engine.inspect(record.id).state, s.isRunning {
                    exitCode = 0 // detached with Ctrl-P Ctrl-Q: the container keeps running
                    return
                }
            } else {
                exitCode = try Attach.followUntilExit(engine: engine, id: record.id)
            }
            if container.rm { try? engine.remove(record.id, force: true) }
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}

/// Prints a container's output as it is logged until the container ends, then returns its exit code.
enum Attach {
    static func followUntilExit(engine: Engine, id: String) throws -> Int32 {
        let logPath = try engine.logPath(id)
        guard let follower = LogFollower(path: logPath) else { return try engine.wait(id) }
        let shimPid = try engine.inspect(id).state.shimPid ?? 0
        let pidfd = shimPid > 0 ? berth_pidfd_open(shimPid) : -1
        defer { if pidfd >= 0 { close(pidfd) } }
        var done = false
        while true {
            for line in follower.poll() { emit(line) }
            if done { break }
            if pidfd >= 0 {
                var pfd = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                if poll(&pfd, 1, 50) > 0 { done = true }
            } else {
                usleep(20_000)
                // Gone (an --rm container) or no longer running: either way the output is complete.
                if (try? engine.inspect(id))?.state.isRunning != true { done = true }
            }
        }
        return try engine.wait(id)
    }

    static func emit(_ raw: String, timestamps: Bool = false) {
        guard let line = CRILog.parse(raw) else { return }
        var text = line.text
        if timestamps {
            text = BerthTime.rfc3339(Date(timeIntervalSince1970: Double(line.timestampNanos) / 1e9)) + " " + text
        }
        if line.complete { text += "\n" }
        let fd: Int32 = line.stream == .stderr ? 2 : 1
        text.utf8CString.withUnsafeBufferPointer { buf in
            var off = 0
            let len = buf.count - 1
            while off < len {
                let n = write(fd, buf.baseAddress! + off, len - off)
                if n <= 0 { break }
                off += n
            }
        }
    }
}
