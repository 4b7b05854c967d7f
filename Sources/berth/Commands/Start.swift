import ArgumentParser
import BerthOS
import BerthRuntime

struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start one or more stopped containers.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Container names or ids.") var containers: [String]

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            try forEach(containers) { try engine.start($0) }
        }
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
