import ArgumentParser
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command in a running container.",
        discussion: "Exits with the command's exit code; 126 when it cannot be executed, 127 when it is not found, 125 when Berth fails.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Keep stdin open.") var interactive = false
    @Flag(name: .shortAndLong, help: "Allocate a terminal inside the container.") var tty = false
    @Option(name: .shortAndLong, help: ArgumentHelp("Set an environment variable.", valueName: "KEY=VALUE")) var env: [String] = []
    @Option(name: .shortAndLong, help: "User to run as: name, uid, name:group or uid:gid.") var user: String?
    @Option(name: [.short, .customLong("workdir")], help: "Working directory inside the container.") var workdir: String?
    @Argument(help: "Container name or id.") var container: String
    @Argument(parsing: .captureForPassthrough, help: "Command and arguments.") var command: [String] = []

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            let argv = try engine.prepareExec(container, ExecRequest(
                command: command, env: try resolvedEnv(), user: user, workingDir: workdir,
                tty: tty && isatty(0) != 0 || tty && isatty(1) != 0, interactive: interactive))
            // The shim takes over this process: no Swift runtime stays between the terminal and the container.
            try execInPlace(argv)
        }
    }
}

extension Exec {
    /// docker's `-e NAME`: this shell's value, or left out when it has none.
    func resolvedEnv() throws -> [String] {
        let caller = ProcessInfo.processInfo.environment
        return try env.compactMap { try EnvFile.resolve($0, lookup: { caller[$0] }) }
    }
}
