import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

@main
enum Main {
    /// docker puts global options before the verb (`berth --root DIR ps`); ArgumentParser wants
    /// them after it, so leading global options become the environment the commands read.
    static func main() {
        var args = Array(CommandLine.arguments.dropFirst())
        // `--context` picks a host; the other leading options given here go on to it.
        var contextFlag: String?
        var forwarded: [String] = []
        while let first = args.first {
            var name = first, value: String?
            if let eq = first.firstIndex(of: "="), first.hasPrefix("--") {
                name = String(first[..<eq]); value = String(first[first.index(after: eq)...])
            }
            let env: String
            switch name {
            case "--root": env = "BERTH_ROOT"
            case "--cgroup-parent": env = "BERTH_CGROUP_PARENT"
            case "--context", "-c": env = "BERTH_CONTEXT"
            default: env = ""
            }
            if env.isEmpty { break }
            args.removeFirst()
            if value == nil {
                guard !args.isEmpty else { usageError("\(name) needs a value") }
                value = args.removeFirst()
            }
            if env == "BERTH_CONTEXT" { contextFlag = value! } else { forwarded += [name, value!] }
            setenv(env, value!, 1)
        }
        // Contexts are the local user's: `berth context …` never goes to a host.
        // `top --context a --context b` is one dashboard here over those hosts, whatever context
        // `context use` or the environment chose (a leading `--context` still sends it there).
        let fleetTop = args.first == "top" && contextFlag == nil
            && args.contains { $0 == "--context" || $0.hasPrefix("--context=") || $0 == "--all-contexts" }
        if args.first != "context" && !fleetTop {
            do {
                if let context = try RemoteDispatch.selectedContext(flag: contextFlag, environment: ProcessInfo.processInfo.environment) {
                    RemoteDispatch.run(context, arguments: args, globalOptions: forwarded)
                }
            } catch {
                usageError(error.description)
            }
        }
        if let verb = args.first, !verb.hasPrefix("-"), verb != "help", Berth.subcommand(named: verb, in: Berth.self) == nil {
            let suggestion = Berth.nearestVerb(to: verb).map { "; did you mean '\($0)'?" } ?? "."
            usageError("\(verb.quoted) is not a berth command\(suggestion) See 'berth --help'.")
        }
        // The same for a group's verbs (`berth image importt`).
        if let (group, path, word) = Berth.unknownGroupVerb(args) {
            let suggestion = Berth.nearestVerb(to: word, in: group).map { "; did you mean '\($0)'?" } ?? "."
            usageError("\(word.quoted) is not a berth \(path)command\(suggestion) See 'berth \(path)--help'.")
        }
        var command: any ParsableCommand
        do {
            command = try Berth.parseAsRoot(args)
        } catch {
            // --help and --version are not errors: ArgumentParser prints them and exits 0.
            if Berth.exitCode(for: error) == .success { Berth.exit(withError: error) }
            let line = Berth.oneLine(Berth.message(for: error), arguments: args)
            // "Did you mean '--cpus'?" ends a sentence already.
            usageError(line + (line.hasSuffix("?") ? " " : ". ") + "See 'berth \(Berth.verbPath(args))--help'.")
        }
        do {
            try command.run()
        } catch {
            // An exit status chosen by a command, or help (`berth help run` runs a help command).
            if error is ExitCode || Berth.exitCode(for: error) == .success { Berth.exit(withError: error) }
            // Errors that did not go through `withErrors`: still one line and 125.
            usageError(Berth.oneLine(Berth.message(for: error), arguments: args))
        }
    }

    /// Bad input, as docker reports it: one line on stderr and exit status 125.
    static func usageError(_ message: String) -> Never {
        printErr("berth: " + Quoted.escapeControls(message))
        exit(125)
    }
}

extension Berth {
    /// The first line of an ArgumentParser message, with the arguments it echoes escaped first,
    /// so a newline in an argument can neither cut the line short nor forge a second one.
    static func oneLine(_ message: String, arguments: [String]) -> String {
        var text = message
        for a in arguments where a.unicodeScalars.contains(where: Quoted.needsEscape) {
            text = text.replacingOccurrences(of: a, with: Quoted.escapeControls(a))
        }
        var line = text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? "invalid arguments"
        if line.hasPrefix("Error: ") { line.removeFirst(7) }
        while line.hasSuffix(".") { line.removeLast() }
        // ArgumentParser's "Did you mean '--cpus'?." once its own full stop is gone.
        if line.hasSuffix("?") == false, let q = line.range(of: "?", options: .backwards), line[q.upperBound...].allSatisfy({ $0 == "." }) {
            line = String(line[..<q.upperBound])
        }
        return line
    }

    static func subcommand(named name: String, in command: any ParsableCommand.Type) -> (any ParsableCommand.Type)? {
        command.configuration.subcommands.first {
            $0._commandName == name || $0.configuration.aliases.contains(name)
        }
    }

    /// The verbs at the start of `args` (`image import `), for the `--help` hint.
    static func verbPath(_ args: [String]) -> String {
        var path = ""
        var command: any ParsableCommand.Type = Berth.self
        for a in args {
            guard let sub = subcommand(named: a, in: command) else { break }
            path += a + " "
            command = sub
        }
        return path
    }

    /// A group (`image`, `network`, `service`) followed by a word that is none of its verbs: the
    /// group, its path for messages ("image ") and the word.
    static func unknownGroupVerb(_ args: [String]) -> (any ParsableCommand.Type, String, String)? {
        var command: any ParsableCommand.Type = Berth.self
        var path = ""
        for a in args {
            if let sub = subcommand(named: a, in: command) {
                command = sub
                path += a + " "
                continue
            }
            // Only a group without a default verb takes no arguments of its own.
            guard command != Berth.self, !command.configuration.subcommands.isEmpty,
                  command.configuration.defaultSubcommand == nil, !a.hasPrefix("-"), a != "help" else { return nil }
            return (command, path, a)
        }
        return nil
    }

    /// The verb closest to a mistyped one (at most two edits away), if any.
    static func nearestVerb(to word: String, in group: any ParsableCommand.Type = Berth.self) -> String? {
        let verbs = group.configuration.subcommands.flatMap { [$0._commandName] + $0.configuration.aliases }
        let scored = verbs.map { ($0, editDistance(Array(word.lowercased()), Array($0))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return nil }
        return best.0
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

struct Berth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "A daemonless container engine with a live terminal dashboard.",
        discussion: "Run without a command to open the dashboard (same as `berth top`).",
        version: Engine.version,
        subcommands: [
            Top.self, Run.self, Create.self, Start.self, Stop.self, Restart.self, Kill.self, Remove.self,
            PS.self, Inspect.self, Copy.self, Logs.self, Wait.self, Stats.self, Exec.self, AttachCommand.self, ImageCommand.self, NetworkCommand.self, VolumeCommand.self,
            ServiceCommand.self, Scale.self, Up.self, Down.self, Demo.self, ContextCommand.self, SystemCommand.self,
            EventsCommand.self, Pause.self, Unpause.self, Rename.self, Port.self, ContainerCommand.self, Info.self, Version.self, Update.self,
            Images.self, RemoveImage.self, ImageTag.self, ImageHistoryCommand.self, ImageSave.self, ImageLoad.self,
            Diff.self, Export.self, Commit.self, Build.self, BuilderCommand.self, Pull.self, Push.self, Login.self, Logout.self, ComposeCommand.self,
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

    /// `notice`: where the engine's one-line notices go instead of stderr (the dashboard's).
    func engine(notice: (@Sendable (String) -> Void)? = nil) throws -> Engine {
        var root = self.root ?? ProcessInfo.processInfo.environment["BERTH_ROOT"]
        let cgroupParent = self.cgroupParent ?? ProcessInfo.processInfo.environment["BERTH_CGROUP_PARENT"]
        if let r = root, !r.hasPrefix("/") {
            root = FileManager.default.currentDirectoryPath + "/" + r
        }
        var options = EngineOptions(root: root, cgroupParent: cgroupParent)
        if let notice { options.notice = notice }
        let engine = try Engine(options: options)
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
        // The last guard: whatever a message embeds, it stays one line without escape sequences.
        FileHandle.standardError.write(Data("berth: \(Quoted.escapeControls(e.description))\n".utf8))
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
        try c.encode(Timestamp(date).rfc3339)
    }
    print(String(decoding: try enc.encode(value), as: UTF8.self))
}
