import ArgumentParser
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ImageBusybox: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-busybox",
        abstract: "Build an image from the host's busybox-static (no registry needed).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "name[:tag] of the image.") var name: String = "busybox:latest"
    @Option(help: "The statically linked busybox to use.") var busybox: String = BusyboxRootfs.defaultBinary

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            let image = try engine.importBusybox(as: try ImageReference(parsing: name), busybox: busybox)
            print(image.id)
        }
    }
}
