import ArgumentParser
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ImageRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove images.",
        discussion: "Refused while a container uses the image; with -f, refused only while one runs (stopped containers keep their layers).")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Remove even if stopped containers use the image.") var force = false
    @Argument(help: "Image name[:tag] or id.") var images: [String]

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            for ref in images {
                let removed = try engine.removeImage(ref, force: force)
                print("Deleted: \(removed.reference) \(removed.shortID)")
            }
        }
    }
}
