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
    @Option(help: "The statically linked busybox to use.") var busybox: String = "/bin/busybox"

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            let ref = try ImageReference(parsing: name)
            let tmp = engine.root + "/tmp-busybox-\(getpid())"
            try? FileManager.default.removeItem(atPath: tmp)
            defer { try? FileManager.default.removeItem(atPath: tmp) }
            let config = try BusyboxRootfs.build(at: tmp, busybox: busybox)
            let image = try engine.importImage(directory: tmp, as: ref, config: config)
            print(image.id)
        }
    }
}
