import ArgumentParser
import BerthOS
import BerthRuntime

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a container's filesystem as a tar archive.",
        discussion: "The image's layers merged with the container's changes; volumes, binds and other mounts are not included. A running container is read as it runs, without pausing it (pause it first for one consistent moment).")
    @OptionGroup var global: GlobalOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("Write to a file instead of stdout.", valueName: "file")) var output: String?
    @Argument(help: "Container name or id.") var container: String

    func run() throws {
        try withRuntimeErrors {
            try ResourceName.validate(container, kind: .container)
            let engine = try global.engine()
            try ArchiveOutput.write(to: output, verb: "export") { fd, path in
                try engine.exportFilesystem(container, to: fd, path: path)
            }
        }
    }
}
