import ArgumentParser
import BerthOS
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
    @Option(name: [.short, .customLong("attach")], help: ArgumentHelp("Attach only these streams: stdin, stdout, stderr (default: stdout and stderr, and stdin with -i).", valueName: "stream")) var attachStreams: [String] = []
    @OptionGroup var container: ContainerOptions
    // Side by side, not nested: in debug builds ArgumentParser re-validates every nested group
    // for each level above it (about five times per level), which made `run` cost a second of CPU.
    @OptionGroup var flags: ContainerFlags
    @OptionGroup var more: RunOptionFlags
    @Option(help: "Pull the image first: missing (default), always or never.") var pull: PullPolicy = .missing
    @Flag(name: .shortAndLong, help: "Pull without printing progress.") var quiet = false
    @Option(name: .customLong("sig-proxy"), help: ArgumentHelp("Pass the signals berth receives on to the container's process while attached without -t (default true); false: berth leaves and the container runs on.", valueName: "true|false")) var sigProxyText = "true"
    @Argument(help: "Image name[:tag] or id.") var image: String
    @Argument(parsing: .captureForPassthrough, help: "Command and arguments (default: the image's).") var command: [String] = []

    func run() throws {
        var exitCode: Int32 = 0
        try withErrors {
            let streams = try Self.streams(attachStreams)
            let sigProxy = try SignalProxy.parse(sigProxyText)
            if detach && !attachStreams.isEmpty { throw BerthError.invalidArgument("conflicting options: -a/--attach and -d/--detach") }
            let engine = try global.engine()
            try pull.apply(engine, image: image, quiet: quiet)
            let record = try engine.create(container.request(image: image, command: command, cgroupParent: global.effectiveCgroupParent,
                                                               flags: flags, more: more))
            do { try container.writeCIDFile(record.id) } catch {
                try? engine.remove(record.id, force: true)
                throw error
            }
            do {
                if container.rm && !detach { try engine.attachForRemoval(record.id) }
                try engine.start(record.id)
            } catch {
                // A container that never ran is not worth keeping: leave nothing behind, not even
                // the volumes its create made.
                engine.removeFailedRun(record.id)
                throw error
            }
            if detach {
                print(record.id)
                return
            }
            if container.tty || container.interactive {
                // The attach client relays the terminal; a container that ended before it could
                // connect still has its output in the log and its exit code in its status.
                switch try attachUntilExit(engine, record.id, stdin: attachStreams.isEmpty || streams.contains("stdin"), sigProxy: sigProxy) {
                case .left(let code):
                    exitCode = code
                    return
                case .exited(let code): exitCode = code
                }
            } else {
                // Prints the output as it is logged; the supervisor's exit ends it.
                let supervisor = try engine.supervisorWatch(record.id)
                let out = LogOutput()
                let log = try engine.logPath(record.id)
                try SignalProxy.around(sigProxy, engine: engine, id: record.id) {
                    LogReader(path: log).follow(until: supervisor) { batch in
                        for line in batch where attachStreams.isEmpty || streams.contains(line.stream == .stderr ? "stderr" : "stdout") {
                            out.write(line)
                        }
                        out.flush()
                    }
                }
                exitCode = try engine.wait(record.id)
            }
            if container.rm { try? engine.remove(record.id, force: true) }
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}

extension Run {
    /// docker's `-a STREAM`, any case; the names lowercased.
    static func streams(_ given: [String]) throws -> Set<String> {
        let names = Set(given.map { $0.lowercased() })
        if let bad = names.first(where: { !["stdin", "stdout", "stderr"].contains($0) }) {
            throw BerthError.invalidArgument("invalid stream \(bad.quoted) for -a/--attach: valid streams are stdin, stdout and stderr")
        }
        return names
    }
}
