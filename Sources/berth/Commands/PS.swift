import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

struct PS: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List containers (running ones unless -a).")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Show all containers, not only running ones.") var all = false
    @Flag(name: .shortAndLong, help: "Only print ids.") var quiet = false
    @Flag(help: "Print JSON.") var json = false
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("Filter: id=, name=, label=KEY[=VALUE], status=, ancestor=, network= (repeatable).", valueName: "filter"))
    var filter: [String] = []
    @Option(help: ArgumentHelp("'table' (default), 'table TEMPLATE', 'json' or a Go template such as '{{.ID}} {{.Names}}'.", valueName: "format"))
    var format: String?
    @Flag(help: "Do not shorten ids and commands.") var noTrunc = false
    @Option(name: [.customShort("n"), .customLong("last")], help: "Show the N last created containers (all states).") var last: Int?
    @Flag(name: [.customShort("l"), .customLong("latest")], help: "Show the last created container (all states).") var latest = false

    func run() throws {
        try withErrors {
            let filter = try ContainerListFilter(self.filter)
            if let last, last < 0 { throw BerthError.invalidArgument("--last must not be negative") }
            let template = try PSFormat(format)
            let engine = try global.engine()
            let limit = latest ? 1 : last
            var list = try engine.list(all: all || limit != nil || filter.needsAll).filter(filter.matches)
            if let limit { list = Array(list.prefix(limit)) }
            if json { try printJSON(list); return }
            if quiet { list.forEach { print(noTrunc ? $0.id : $0.shortID) }; return }
            let now = Date()
            if let template {
                print(try template.render(list, now: now, truncate: !noTrunc), terminator: "")
                return
            }
            let rows = list.map { c in
                [noTrunc ? c.id : c.shortID, c.image,
                 noTrunc ? "\"" + c.command.joined(separator: " ") + "\"" : Table.quote(c.command.joined(separator: " "), max: 22),
                 HumanDuration.format(now.timeIntervalSince(c.created)) + " ago",
                 StatusText.describe(c.state, now: now), c.ports.map(\.description).joined(separator: ", "), c.name]
            }
            print(Table.render(header: ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"], rows: rows), terminator: "")
            // Services: how many replicas run against how many are wanted.
            let services = try engine.listServices()
            if !services.isEmpty {
                print("")
                print(Table.render(header: ["SERVICE", "DESIRED", "RUNNING"],
                                   rows: services.map { [$0.name, String($0.desired), String($0.running)] }), terminator: "")
            }
        }
    }
}
