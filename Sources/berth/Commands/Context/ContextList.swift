import ArgumentParser
import BerthOS
import BerthRuntime

struct ContextList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List contexts; * marks the one in use.", aliases: ["list"])
    @Flag(name: .shortAndLong, help: "Print names only.") var quiet = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try withErrors {
            let store = ContextStore()
            let contexts = try store.list()
            let current = try store.current() ?? HostContext.localName
            if quiet { ([HostContext.localName] + contexts.map(\.name)).forEach { print($0) }; return }
            if json { try printJSON(contexts); return }
            let local = [HostContext.localName + (current == HostContext.localName ? " *" : ""), "the local engine", "", ""]
            let rows = contexts.map { c in
                [c.name + (c.name == current ? " *" : ""), Quoted.escapeControls(c.description ?? ""), c.destination.url, c.root ?? ""]
            }
            print(Table.render(header: ["NAME", "DESCRIPTION", "HOST", "ROOT"], rows: [local] + rows), terminator: "")
        }
    }
}
