import ArgumentParser
import BerthRuntime

struct ContextInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show contexts as JSON (default: the one in use).")
    @Argument(help: "Context names.") var names: [String] = []

    /// `Host` is the ssh URL, or null for `default`, the local engine.
    struct Output: Encodable {
        var Name: String; var Host: String?; var Root: String?; var Identity: String?; var Description: String?; var Current: Bool
    }

    func run() throws {
        try withErrors {
            let store = ContextStore()
            let current = try store.current() ?? HostContext.localName
            let chosen = names.isEmpty ? [current] : names
            try printJSON(try chosen.map { name in
                guard let c = try store.context(named: name) else {
                    return Output(Name: HostContext.localName, Description: "the local engine", Current: current == name)
                }
                return Output(Name: c.name, Host: c.destination.url, Root: c.root, Identity: c.identity,
                              Description: c.description, Current: current == name)
            })
        }
    }
}
