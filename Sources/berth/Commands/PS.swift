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

/// Left-aligned columns separated by three spaces, as docker prints them.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            var s = ""
            for (i, c) in cells.enumerated() {
                s += i == cells.count - 1 ? c : c.padding(toLength: widths[i] + 3, withPad: " ", startingAt: 0)
            }
            return s + "\n"
        }
        return ([header] + rows).map(line).joined()
    }

    static func quote(_ raw: String, max: Int) -> String {
        // One line per container: newlines and tabs of multi-line scripts become spaces.
        let s = String(raw.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        let cut = s.count > max ? String(s.prefix(max - 1)) + "…" : s
        return "\"" + cut + "\""
    }
}
