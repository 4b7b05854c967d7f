import ArgumentParser
import BerthOS
import BerthRuntime

struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start one or more stopped containers.")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Attach to the container's output and exit with its exit code.") var attach = false
    @Flag(name: .shortAndLong, help: "Attach the container's stdin too (it must have been created with -i).") var interactive = false
    @Argument(help: "Container names or ids.") var containers: [String]

    func run() throws {
        var exitCode: Int32 = 0
        try withErrors {
            let engine = try global.engine()
            guard attach || interactive else {
                try forEach(containers) { try engine.start($0) }
                return
            }
            guard containers.count == 1 else {
                throw BerthError.invalidArgument("you cannot start and attach multiple containers at once")
            }
            let id = try engine.inspect(containers[0]).id
            let tty = try engine.spec(id).process?.terminal == true
            if interactive || tty {
                try engine.start(id)
                switch try attachUntilExit(engine, id, stdin: interactive) {
                case .left(let code), .exited(let code): exitCode = code
                }
                return
            }
            // Output only: followed from the log as `run` does, so stdout and stderr stay apart;
            // what earlier runs logged is skipped.
            let reader = LogReader(path: try engine.logPath(id))
            _ = reader.poll()
            try engine.start(id)
            let out = LogOutput()
            let supervisor = try engine.supervisorWatch(id)
            // docker's `start -a` always passes signals on to a container without a terminal.
            try SignalProxy.around(true, engine: engine, id: id) {
                reader.follow(until: supervisor) { batch in
                    for line in batch { out.write(line) }
                    out.flush()
                }
            }
            exitCode = try engine.wait(id)
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}

/// Applies `body` to every container, printing each one done and reporting failures at the end,
/// as docker does for multi-container verbs.
func forEach(_ refs: [String], _ body: (String) throws -> Void) throws {
    guard !refs.isEmpty else { throw BerthError.invalidArgument("give at least one container name or id") }
    // A reference that cannot be a name or an id is bad input (125), refused before any is touched.
    for ref in refs { try ResourceName.validate(ref, kind: .container) }
    var failed: BerthError?
    for ref in refs {
        do {
            try body(ref)
            print(ref)
        } catch let e as BerthError {
            printErr("berth: " + Quoted.escapeControls(e.description))
            failed = e
        }
    }
    if let failed { throw ExitCode(failed.exitCode == 125 ? 1 : failed.exitCode) }
}
