// berth-runc: Berth as an OCI runtime, with runc's command line (docs/oci-runtime.md).
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

typealias Verb = (Globals, ArraySlice<String>) throws -> Int32

let verbs: [String: Verb] = [
    "create": Lifecycle.create, "start": Lifecycle.start, "run": Lifecycle.run, "kill": Lifecycle.kill,
    "delete": Lifecycle.delete, "pause": Lifecycle.pause, "resume": Lifecycle.resume,
    "state": Queries.state, "list": Queries.list, "ps": Queries.ps,
    "spec": Documents.spec, "features": Documents.features, "exec": ExecVerb.exec, "update": UpdateVerb.update,
]

/// Verbs of runc this runtime refuses, with the reason.
let refused: [String: String] = [
    "checkpoint": "checkpoint is not supported by berth-runc (no CRIU)",
    "restore": "restore is not supported by berth-runc (no CRIU)",
    "events": "events is not supported by berth-runc yet",
]

let args = CommandLine.arguments
var globals = Globals()
do {
    let (g, index) = try Globals.parse(args)
    globals = g
    guard index < args.count else { print(Usage.text); exit(0) }
    let name = args[index]
    if name == "help" { print(Usage.text); exit(0) }
    if let reason = refused[name] { throw BerthError.unsupported(reason) }
    guard let verb = verbs[name] else { throw BerthError.invalidArgument("unknown command \(name.quoted)") }
    exit(try verb(g, args[(index + 1)...]))
} catch let e as BerthError {
    globals.message("error", Quoted.escapeControls(e.description))
    if case .invalidArgument = e { exit(125) }
    exit(e.exitCode == 125 ? 1 : e.exitCode)
} catch {
    globals.message("error", Quoted.escapeControls("\(error)"))
    exit(1)
}

enum Usage {
    static let text = """
        berth-runc: Berth as an OCI runtime (runc's command line)

        usage: berth-runc [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND [ARGS]

        commands:
          create --bundle DIR [--pid-file F] [--console-socket SOCK] ID
          start ID            run [--bundle DIR] [--detach] [--pid-file F] ID
          state ID            list [--format table|json] [-q]      ps [--format table|json] ID
          kill [--all] ID [SIGNAL]      delete [--force] ID      pause ID      resume ID
          exec [--process FILE | ARGS…] [--cwd DIR] [--env K=V] [--user UID[:GID]] [--cap CAP]
               [--no-new-privs] [--tty] ID
          update [--resources FILE|-] [--memory N] [--cpu-quota N] [--pids-limit N] … ID
          spec [--bundle DIR]  features
        """
}
