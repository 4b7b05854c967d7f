import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `-f` and `-p`, shared by `up` and `down`.
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

    /// Reads and parses the file; warnings go to stderr.
    func load(cgroupParent: String?) throws -> ComposeProject {
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
        do {
            let project = try ComposeParser.parse(String(decoding: data, as: UTF8.self), options: options)
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

    func run() throws {
        try withServiceErrors {
            let engine = try global.engine()
            let project = try compose.load(cgroupParent: global.effectiveCgroupParent)
            if !detach { ProjectLogs.installInterruptHandler() }
            guard dependencyTimeout >= 0 else { throw BerthError.invalidArgument("--dependency-timeout must not be negative") }
            try engine.up(project, dependencyTimeout: TimeInterval(dependencyTimeout), progress: { print(ScaleReport.describe($0)) },
                          building: { print($0) })
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
            let name = try compose.projectName.map(ComposeParser.validateProjectName)
                ?? compose.load(cgroupParent: global.effectiveCgroupParent).name
            let results = try engine.down(project: name, stopTimeout: time, volumes: volumes) { print(ScaleReport.describe($0)) }
            if results.isEmpty { printErr("berth: nothing to remove for project \(name.quoted)") }
        }
    }
}

/// `berth up`'s foreground: every replica's output, each line prefixed with the replica's name.
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

    private final class Source {
        let name: String
        let reader: LogReader
        init(name: String, reader: LogReader) { self.name = name; self.reader = reader }
    }

    /// Returns on an interrupt, or when none of the project's containers runs any more.
    static func follow(engine: Engine, project: String) {
        var sources: [String: Source] = [:]
        var width = 0
        var lastScan = 0.0
        while true {
            let now = Date().timeIntervalSince1970
            var anyRunning = true
            if now - lastScan >= 0.5 {
                lastScan = now
                let containers = ((try? engine.list(all: true)) ?? []).filter { $0.labels[ServiceLabel.project] == project }
                anyRunning = containers.contains { $0.state.isRunning }
                for c in containers where sources[c.id] == nil {
                    guard let path = try? engine.logPath(c.id) else { continue }
                    sources[c.id] = Source(name: c.name, reader: LogReader(path: path))
                    width = max(width, c.name.count)
                }
            }
            let done = interrupted != 0 || !anyRunning
            for id in sources.keys.sorted() {
                let s = sources[id]!
                let prefix = s.name.padding(toLength: width, withPad: " ", startingAt: 0) + " | "
                // Joined lines; at the end, a line left without its newline too.
                for line in s.reader.poll() + (done ? s.reader.flush() : []) {
                    print(prefix + line.text)
                }
            }
            fflush(nil)
            if done { return }
            usleep(100_000)
        }
    }
}
