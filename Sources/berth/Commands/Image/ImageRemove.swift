import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The flags and body of `rmi` and `image rm`.
struct ImageRemoveOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Remove even if stopped containers use the image, or an id names several tags.") var force = false
    @Argument(help: "Image name[:tag] or id.") var images: [String]

    /// docker's output (`Untagged: NAME`, `Deleted: sha256:ID`); every name is tried, failures
    /// reported one line each, then exit 1.
    func run(_ global: GlobalOptions) throws {
        try withRuntimeErrors {
            guard !images.isEmpty else { throw BerthError.invalidArgument("give at least one image name or id") }
            let engine = try global.engine()
            var failed = false
            for ref in images {
                do {
                    let removal = try engine.removeImage(ref, force: force)
                    for name in removal.untagged { print("Untagged: " + name) }
                    if let id = removal.deletedID { print("Deleted: sha256:" + id) }
                } catch let e as BerthError {
                    printErr("berth: " + Quoted.escapeControls(e.description))
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}

struct ImageRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove images.",
        discussion: "A name is untagged; the image goes with its last name. Refused while a container uses the image; with -f, refused only while one runs (stopped containers keep their layers).",
        aliases: ["rmi"])
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ImageRemoveOptions

    func run() throws { try options.run(global) }
}

/// `berth rmi`: `image rm`.
struct RemoveImage: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rmi", abstract: "Remove images (same as `image rm`).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ImageRemoveOptions

    func run() throws { try options.run(global) }
}
