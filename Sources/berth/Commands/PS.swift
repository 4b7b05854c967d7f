import ArgumentParser
import BerthRuntime
import Foundation

struct PS: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List containers (running ones unless -a).")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Show all containers, not only running ones.") var all = false
    @Flag(name: .shortAndLong, help: "Only print ids.") var quiet = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            let list = try engine.list(all: all)
            if json { try printJSON(list); return }
            if quiet { list.forEach { print($0.shortID) }; return }
            let now = Date()
            let rows = list.map { c in
                [c.shortID, c.image, Table.quote(c.command.joined(separator: " "), max: 22),
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
