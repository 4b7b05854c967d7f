import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

/// `berth compose …`: docker compose's verbs for a project (`up` and `down` are also top-level).
struct ComposeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compose", abstract: "Work with a compose project: up, down, ps, logs, config.",
        subcommands: [Up.self, Down.self, ComposePS.self, ComposeLogs.self, ComposeConfigCommand.self])
}

/// The project's containers, by name; only running ones unless `all`.
private func projectContainers(_ engine: Engine, project: String, all: Bool) throws -> [ContainerInfo] {
    try engine.list(all: all).filter { $0.labels[ServiceLabel.project] == project }.sorted { $0.name < $1.name }
}

/// Service names from the command line, checked before they are compared with anything.
private func serviceNames(_ names: [String]) throws -> Set<String>? {
    for name in names { try ReplicaName.validateService(name) }
    return names.isEmpty ? nil : Set(names)
}

struct ComposePS: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List a project's containers.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var compose: ComposeOptions
    @Flag(name: .shortAndLong, help: "Stopped containers too.") var all = false
    @Flag(name: .shortAndLong, help: "Only the ids.") var quiet = false
    @Flag(help: "Only the services' names.") var services = false
    @Option(help: ArgumentHelp("'table' (default) or 'json' (one object per line, as docker compose).", valueName: "format")) var format = "table"
    @Argument(help: "Only these services.") var only: [String] = []

    func run() throws {
        try withErrors {
            guard format == "table" || format == "json" else {
                throw BerthError.invalidArgument("--format takes 'table' or 'json', not \(format.quoted)")
            }
            let wanted = try serviceNames(only)
            let engine = try global.engine()
            let project = try compose.project(cgroupParent: global.effectiveCgroupParent)
            let list = try projectContainers(engine, project: project, all: all).filter { c in
                wanted.map { w in c.service.map(w.contains) ?? false } != false
            }
            if services {
                var seen: [String] = []
                for s in list.compactMap(\.service) where !seen.contains(s) { seen.append(s) }
                for s in seen { print(s) }
                return
            }
            if quiet {
                for c in list { print(c.id) }
                return
            }
            let now = Date()
            if format == "json" {
                for c in list {
                    guard case .object(var o) = PSRow.value(c, now: now, truncate: false) else { continue }
                    o["Name"] = .string(c.name)
                    o["Project"] = .string(project)
                    o["Service"] = .string(c.service ?? "")
                    o["Health"] = .string(c.state.health ?? "")
                    o["ExitCode"] = .integer(Int64(c.state.exitCode ?? 0))
                    o["Publishers"] = .array(c.ports.map { p in
                        .object(["URL": .string(p.hostIP.description), "TargetPort": .integer(Int64(p.containerPort)),
                                 "PublishedPort": .integer(Int64(p.hostPort)), "Protocol": .string(p.proto.rawValue)])
                    })
                    print(TemplateValue.object(o).jsonText)
                }
                return
            }
            let rows = list.map { c in
                [c.name, c.image, Table.quote(c.command.joined(separator: " "), max: 20), c.service ?? "",
                 HumanDuration.format(now.timeIntervalSince(c.created)) + " ago", StatusText.describe(c.state, now: now),
                 c.ports.map(\.description).joined(separator: ", ")].map(Quoted.escapeControls)
            }
            print(Table.render(header: ["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"], rows: rows), terminator: "")
        }
    }
}

struct ComposeLogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Print the output of a project's containers, merged in time order.",
        discussion: "Each line is prefixed with its container's name (`web-1 | `), coloured on a terminal unless NO_COLOR is set.")
    @OptionGroup var global: GlobalOptions
    // `-f` is docker compose's --follow here, so the file is `--file` only.
    @Option(name: .customLong("file"), help: ArgumentHelp("The compose file (default: compose.yaml, …).", valueName: "file")) var file: String?
    @Option(name: [.short, .customLong("project-name")], help: ArgumentHelp("Project name (default: the file's).", valueName: "name")) var projectName: String?
    @Flag(name: .shortAndLong, help: "Follow new output until the containers stop (or Ctrl-C).") var follow = false
    @Option(name: [.customShort("n"), .long], help: "Number of lines from the end of each container's log (all by default).") var tail: String = "all"
    @Flag(name: .shortAndLong, help: "Prefix each line with its timestamp.") var timestamps = false
    @Argument(help: "Only these services.") var only: [String] = []

    func run() throws {
        try withErrors {
            var options = ProjectLogs.Options(services: try serviceNames(only), timestamps: timestamps, follow: follow)
            if tail != "all" {
                guard let n = Int(tail), n >= 0 else { throw BerthError.invalidArgument("--tail takes a number or 'all'") }
                options.tail = n
            }
            let engine = try global.engine()
            var compose = ComposeOptions()
            compose.file = file
            compose.projectName = projectName
            let project = try compose.project(cgroupParent: global.effectiveCgroupParent)
            if follow { ProjectLogs.installInterruptHandler() }
            ProjectLogs.follow(engine: engine, project: project, options: options)
        }
    }
}

struct ComposeConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Validate the compose file and print it resolved.",
        discussion: "Variables interpolated (${VAR}, ${VAR:-default}, ${VAR:?error}, $$), the project's name set; keys as written. Refused files give the same one-line error as `up`.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var compose: ComposeOptions
    @Flag(name: .shortAndLong, help: "Only validate: print nothing.") var quiet = false
    @Flag(help: "Print the services' names, one a line.") var services = false
    @Flag(help: "Print the top-level volumes' names, one a line.") var volumes = false

    func run() throws {
        try withErrors {
            let project = try compose.load(cgroupParent: global.effectiveCgroupParent)
            if quiet { return }
            if services { for s in project.services { print(s.name) }; return }
            if volumes { for v in project.volumes { print(v.key) }; return }
            let (path, text, options) = try compose.source(cgroupParent: global.effectiveCgroupParent)
            do {
                print(try ComposeConfig.resolvedYAML(text, options: options), terminator: "")
            } catch let e as BerthError {
                throw BerthError.invalidArgument("\(path): \(e.description)")
            }
        }
    }
}
