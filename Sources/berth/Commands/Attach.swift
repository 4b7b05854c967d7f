import ArgumentParser
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct AttachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Stream a running container's output (and send it input if it was started with -i).",
        discussion: "Ctrl-P Ctrl-Q detaches and leaves the container running. Exits with the container's exit code when it ends.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Container name or id.") var container: String

    func run() throws {
        try withErrors {
            let argv = try global.engine().attachArguments(container, replay: false)
            try execInPlace(argv)
        }
    }
}
