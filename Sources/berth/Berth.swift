import ArgumentParser
import BerthRuntime
import Foundation

@main
enum Main {
    /// docker puts global options before the verb (`berth --root DIR ps`); ArgumentParser wants
    /// them after it, so leading global options become the environment the commands read.
    static func main() {
        var args = Array(CommandLine.arguments.dropFirst())
        while let first = args.first {
            var name = first, value: String?
            if let eq = first.firstIndex(of: "="), first.hasPrefix("--") {
                name = String(first[..<eq]); value = String(first[first.index(after: eq)...])
            }
            let env: String
            switch name {
            case "--root": env = "BERTH_ROOT"
            case "--cgroup-parent": env = "BERTH_CGROUP_PARENT"
            default: env = ""
            }
            if env.isEmpty { break }
            args.removeFirst()
            if value == nil {
                guard !args.isEmpty else { Berth.exit(withError: ValidationError("\(name) needs a value")) }
                value = args.removeFirst()
            }
            setenv(env, value!, 1)
        }
        Berth.main(args)
    }
}

struct Berth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "A daemonless container engine with a live terminal dashboard.",
        discussion: "Run without a command to open the dashboard (same as `berth top`).",
        version: "0.1.0",
        subcommands: [
            Top.self, Run.self, Create.self, Start.self, Stop.self, Restart.self, Kill.self, Remove.self,
            PS.self, Inspect.self, Logs.self, Wait.self, Stats.self, Exec.self, AttachCommand.self, ImageCommand.self, NetworkCommand.self,
            ServiceCommand.self, Scale.self, Up.self, Down.self, Demo.self,
        ],
        defaultSubcommand: Top.self)
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Directory holding all state, images and logs (env BERTH_ROOT).", valueName: "dir"))
    var root: String?

    @Option(name: .long, help: ArgumentHelp("Parent cgroup for new containers, relative to Berth's own cgroup or absolute.", valueName: "path"))
    var cgroupParent: String?

    var effectiveCgroupParent: String? { cgroupParent ?? ProcessInfo.processInfo.environment["BERTH_CGROUP_PARENT"] }

    func engine() throws -> Engine {
        var root = self.root ?? ProcessInfo.processInfo.environment["BERTH_ROOT"]
        let cgroupParent = self.cgroupParent ?? ProcessInfo.processInfo.environment["BERTH_CGROUP_PARENT"]
        if let r = root, !r.hasPrefix("/") {
            root = FileManager.default.currentDirectoryPath + "/" + r
        }
        let engine = try Engine(options: EngineOptions(root: root, cgroupParent: cgroupParent))
        // Every command first finishes what a killed Berth process left half done (a creation or
        // removal cut short, stale name links and leases); nearly free when there is nothing.
        engine.reconcile()
        return engine
    }
}

/// Runs a command body, turning Berth's errors into one line on stderr and docker's exit codes.
func withErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as BerthError {
        FileHandle.standardError.write(Data("berth: \(e.description)\n".utf8))
        throw ExitCode(e.exitCode)
    }
}

/// Replaces this process with `argv` (the C shim's exec and attach clients); returns only by throwing.
func execInPlace(_ argv: [String]) throws {
    fflush(nil)
    _ = withCStringArray(argv) { execv(argv[0], $0) }
    throw BerthError.system(operation: "exec", path: argv[0], errno: errno)
}

func printErr(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

func printJSON<T: Encodable>(_ value: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    enc.dateEncodingStrategy = .custom { date, encoder in
        var c = encoder.singleValueContainer()
        try c.encode(BerthTime.rfc3339(date))
    }
    print(String(decoding: try enc.encode(value), as: UTF8.self))
}
