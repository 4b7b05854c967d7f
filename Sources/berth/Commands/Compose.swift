import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `-f` and `-p`, shared by `up`, `down` and the `compose` verbs.
struct ComposeOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("The compose file (default: compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml).", valueName: "file"))
    var file: String?
    @Option(name: [.short, .customLong("project-name")], help: ArgumentHelp("Project name (default: the file's `name:`, else its directory's name).", valueName: "name"))
    var projectName: String?

    static let defaultFiles = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"]

    func path() throws -> String {
        if let file { return file }
        guard let found = Self.defaultFiles.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw BerthError.invalidArgument("no compose file here: give one with -f (looked for \(Self.defaultFiles.joined(separator: ", ")))")
        }
        return found
    }

    /// The project: `-p` as given (the file is not needed: it may be gone), else the file's.
    func project(cgroupParent: String?) throws -> String {
        try projectName.map(ComposeParser.validateProjectName) ?? load(cgroupParent: cgroupParent).name
    }

    /// The file's text and how to parse it (relative paths from its directory).
    func source(cgroupParent: String?) throws -> (path: String, text: String, options: ComposeParser.Options) {
        // An invalid -p is refused before any file is looked for.
        if let projectName { _ = try ComposeParser.validateProjectName(projectName) }
        let path = try path()
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BerthError.invalidArgument("cannot read the compose file \(path.quoted)")
        }
        var options = ComposeParser.Options(projectName: projectName,
                                            defaultProjectName: ComposeParser.defaultProjectName(forFile: path),
                                            cgroupParent: cgroupParent)
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        options.baseDirectory = URL(fileURLWithPath: absolute).standardizedFileURL.deletingLastPathComponent().path
        // env_file paths are relative to the compose file's directory, as compose has them.
        let directory = options.baseDirectory ?? FileManager.default.currentDirectoryPath
        options.readFile = { file in
            try EnvFile.read(file.hasPrefix("/") ? file : directory + "/" + file, what: "env_file")
        }
        return (path, String(decoding: data, as: UTF8.self), options)
    }

    /// Reads and parses the file; warnings go to stderr.
    func load(cgroupParent: String?) throws -> ComposeProject {
        let (path, text, options) = try source(cgroupParent: cgroupParent)
        do {
            let project = try ComposeParser.parse(text, options: options)
            for w in project.warnings { printErr("berth: warning: " + Quoted.escapeControls("\(path): \(w)")) }
            return project
        } catch let e as BerthError {
            throw BerthError.invalidArgument("\(path): \(e.description)")
        }
    }
}

struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up", abstract: "Create and start the services of a compose file.",
        discussion: "Services start in depends_on order, each one's replicas concurrently. Services that exist are brought to the file's definition: changed ones are recreated, stopped replicas started. Without -d, follows the logs of every replica until Ctrl-C, which stops them (`berth down` removes them). Supported keys: docs/services.md.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var compose: ComposeOptions
    @Flag(name: .shortAndLong, help: "Start the services and return.") var detach = false
    @Option(help: ArgumentHelp("Seconds to wait for each depends_on condition (service_healthy, service_completed_successfully).", valueName: "seconds")) var dependencyTimeout: Int = Int(Engine.defaultDependencyTimeout)
    @Option(help: "Pull the services' images (and the FROM images of those built) first: missing (default), always or never.") var pull: PullPolicy = .missing

    func run() throws {
        try withServiceErrors {
            let engine = try global.engine()
            let project = try compose.load(cgroupParent: global.effectiveCgroupParent)
            if !detach { ProjectLogs.installInterruptHandler() }
            guard dependencyTimeout >= 0 else { throw BerthError.invalidArgument("--dependency-timeout must not be negative") }
            let policy = pull
            try engine.up(project, dependencyTimeout: TimeInterval(dependencyTimeout), progress: { print(ScaleReport.describe($0)) },
                          building: { print($0) }, pull: { try policy.apply(engine, image: $0) })
            if detach { return }
            ProjectLogs.follow(engine: engine, project: project.name)
            if ProjectLogs.interrupted != 0 {
                printErr("Stopping \(project.name)…")
                try engine.stop(project: project.name)
            }
        }
    }
}

struct Down: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down", abstract: "Stop and remove the services of a compose project.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var compose: ComposeOptions
    @Option(name: .shortAndLong, help: "Seconds each replica gets between SIGTERM and SIGKILL (default: the service's).") var time: Int?
    @Flag(name: .shortAndLong, help: "Also remove the project's volumes and its containers' anonymous volumes.") var volumes = false

    func run() throws {
        try withServiceErrors {
            let engine = try global.engine()
            // With -p the file is not needed (it may be gone or broken); without, its name decides.
            let name = try compose.project(cgroupParent: global.effectiveCgroupParent)
            let results = try engine.down(project: name, stopTimeout: time, volumes: volumes) { print(ScaleReport.describe($0)) }
            if results.isEmpty { printErr("berth: nothing to remove for project \(name.quoted)") }
        }
    }
}

/// `berth up`'s foreground and `compose logs`: the output of a project's replicas, each line
/// prefixed with the replica's name (`web-1  | `, coloured on a terminal only, never with
/// NO_COLOR), merged in time order.
enum ProjectLogs {
    nonisolated(unsafe) static var interrupted: sig_atomic_t = 0

    /// The first Ctrl-C (or SIGTERM) ends the following; a second one ends Berth at once.
    static func installInterruptHandler() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { s in
                ProjectLogs.interrupted = 1
                signal(s, SIG_DFL)
            }
        }
    }

    struct Options {
        /// Only these services' replicas; nil: all.
        var services: Set<String>? = nil
        /// The last N lines of each replica first; nil: all.
        var tail: Int? = nil
        var timestamps = false
        /// Keep following until interrupted or nothing runs; else print what there is and return.
        var follow = true
    }

    private final class Source {
        let name: String
        let reader: LogReader
        let colour: String?
        init(name: String, reader: LogReader, colour: String?) { self.name = name; self.reader = reader; self.colour = colour }
    }

    /// docker compose's colours for the names, in turn.
    private static let colours = ["36", "33", "32", "35", "34", "96", "93", "92", "95", "94"]

    /// Returns on an interrupt, when none of the project's containers runs any more, or at once
    /// without `follow`.
    static func follow(engine: Engine, project: String, options: Options = Options()) {
        let colour = isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) != false
        var sources: [String: Source] = [:]
        var width = 0
        var lastScan = 0.0
        while true {
            let now = Date().timeIntervalSince1970
            var anyRunning = true
            var batch: [(Source, LogLine)] = []
            if now - lastScan >= 0.5 || !options.follow {
                lastScan = now
                let containers = ((try? engine.list(all: true)) ?? []).filter { c in
                    c.labels[ServiceLabel.project] == project
                        && options.services.map { wanted in c.service.map(wanted.contains) ?? false } != false
                }.sorted { $0.name < $1.name }
                anyRunning = containers.contains { $0.state.isRunning }
                // A replica removed meanwhile (scaled down, recreated): its last lines, then its
                // reader goes (and with it the log's descriptor).
                let listed = Set(containers.map(\.id))
                for id in sources.keys.sorted() where !listed.contains(id) {
                    let s = sources.removeValue(forKey: id)!
                    for line in s.reader.poll() + s.reader.flush() { batch.append((s, line)) }
                }
                for c in containers where sources[c.id] == nil {
                    guard let path = try? engine.logPath(c.id) else { continue }
                    let source = Source(name: c.name, reader: LogReader(path: path),
                                        colour: colour ? colours[sources.count % colours.count] : nil)
                    sources[c.id] = source
                    width = max(width, c.name.count)
                    // What is there already (the last N lines), then only what follows.
                    source.reader.read(LogReader.Window(tail: options.tail), flushPartials: !options.follow) { batch.append((source, $0)) }
                }
            }
            let done = interrupted != 0 || !anyRunning || !options.follow
            for id in sources.keys.sorted() {
                let s = sources[id]!
                // Joined lines; at the end, a line left without its newline too.
                for line in s.reader.poll() + (done && options.follow ? s.reader.flush() : []) { batch.append((s, line)) }
            }
            // Several replicas' lines in time order (a stable sort keeps each one's own order).
            let merged = batch.enumerated().sorted {
                ($0.element.1.timestampNanos, $0.offset) < ($1.element.1.timestampNanos, $1.offset)
            }
            for (_, (s, line)) in merged {
                var prefix = s.name.padding(toLength: width, withPad: " ", startingAt: 0) + " | "
                if let c = s.colour { prefix = "\u{1b}[\(c)m" + prefix + "\u{1b}[0m" }
                if options.timestamps { prefix += Timestamp(unixNanoseconds: line.timestampNanos).rfc3339 + " " }
                print(prefix + line.text)
            }
            fflush(nil)
            if done { return }
            usleep(100_000)
        }
    }
}
