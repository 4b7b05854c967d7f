import ArgumentParser
import BerthRuntime

struct ContextCreate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a context for a host reached over ssh.")
    @Option(help: ArgumentHelp("The host: ssh://[user@]host[:port].", valueName: "url")) var host: String
    @Option(help: ArgumentHelp("The state root on the host (its --root).", valueName: "dir")) var root: String?
    @Option(help: ArgumentHelp("A private key for ssh -i.", valueName: "file")) var identity: String?
    @Option(help: "A description shown by `context ls`.") var description: String?
    @Argument(help: "The context's name.") var name: String

    func run() throws {
        try withErrors {
            let context = HostContext(name: name, destination: try SSHDestination.parse(host), root: root,
                                      identity: identity, description: description)
            try ContextStore().create(context)
            print(name)
        }
    }
}
