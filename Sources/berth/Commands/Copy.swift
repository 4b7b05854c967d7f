import ArgumentParser
import BerthOS
import BerthRuntime

struct Copy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp", abstract: "Copy files between a container (running or stopped) and the host.",
        discussion: """
            berth cp CONTAINER:SRC DEST  or  berth cp SRC CONTAINER:DEST. docker's rules: a directory \
            onto an existing directory goes inside it, or only its contents when SRC ends in /. ; a \
            file onto a directory goes inside it. Container paths are resolved inside the container's \
            root; links are copied as links.
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "CONTAINER:SRC or a host path.") var source: String
    @Argument(help: "CONTAINER:DEST or a host path.") var destination: String

    /// "NAME:PATH" names a container unless it starts like a path (docker's rule).
    static func split(_ arg: String) -> (container: String, path: String)? {
        guard !arg.hasPrefix("/"), !arg.hasPrefix("."), let colon = arg.firstIndex(of: ":") else { return nil }
        return (String(arg[..<colon]), String(arg[arg.index(after: colon)...]))
    }

    func run() throws {
        try withRuntimeErrors {
            let engine = try global.engine()
            switch (Self.split(source), Self.split(destination)) {
            case (let c?, nil):
                try ResourceName.validate(c.container, kind: .container)
                try engine.copyFromContainer(c.container, path: c.path.isEmpty ? "/" : c.path, to: destination)
            case (nil, let c?):
                try ResourceName.validate(c.container, kind: .container)
                try engine.copyToContainer(c.container, path: c.path.isEmpty ? "/" : c.path, from: source)
            case (.some, .some):
                throw BerthError.invalidArgument("copying between containers is not supported: copy to the host first")
            case (nil, nil):
                throw BerthError.invalidArgument("one of the paths must name a container: CONTAINER:PATH")
            }
        }
    }
}
