import BerthOS
import BerthRuntime
import Foundation

/// state, list, ps.
enum Queries {
    static func json<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(value), as: UTF8.self)
    }

    static func state(_ g: Globals, _ args: ArraySlice<String>) throws -> Int32 {
        let f = try Flags(args, verb: "state", valued: [], boolean: [])
        let runtime = g.runtime()
        print(try json(runtime.document(try runtime.load(try f.id("state")))))
        return 0
    }

    static func list(_ g: Globals, _ args: ArraySlice<String>) throws -> Int32 {
        let f = try Flags(args, verb: "list", valued: ["format", "f"], boolean: ["quiet", "q"])
        let runtime = g.runtime()
        let docs = runtime.list().map(runtime.document)
        if f.has("quiet") || f.has("q") { docs.forEach { print($0.id) }; return 0 }
        switch f.value("format") ?? f.value("f") ?? "table" {
        case "json": print(try json(docs, pretty: false))
        case "table":
            let rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]] +
                docs.map { [$0.id, String($0.pid), $0.status, $0.bundle, $0.created, $0.owner].map(Quoted.escapeControls) }
            let widths = (0..<6).map { c in rows.map { $0[c].count }.max() ?? 0 }
            for r in rows {
                print(zip(r, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "   ")
                        .trimmingCharacters(in: .whitespaces))
            }
        case let other: throw BerthError.invalidArgument("list: --format \(other.quoted): table or json")
        }
        return 0
    }

    static func ps(_ g: Globals, _ args: ArraySlice<String>) throws -> Int32 {
        let f = try Flags(args, verb: "ps", valued: ["format", "f"], boolean: [])
        let runtime = g.runtime()
        let s = try runtime.load(try f.id("ps"))
        let pids = runtime.status(s) == .stopped ? [] : try runtime.pids(s)
        switch f.value("format") ?? f.value("f") ?? "table" {
        case "json": print(try json(pids, pretty: false))
        case "table":
            // The host's `ps -ef` cut to the container's processes, as runc does.
            print(try PSTable.run(options: [], pids: Set(pids)), terminator: "")
        case let other: throw BerthError.invalidArgument("ps: --format \(other.quoted): table or json")
        }
        return 0
    }
}
