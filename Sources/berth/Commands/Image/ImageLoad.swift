import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `berth load` (and `image load`): the images of an archive from `-i FILE` or stdin.
struct ImageLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Load images from a docker-archive or OCI archive (a file or stdin).",
        discussion: "Every image of a docker-archive comes in under the names it carries. The archive is checked as by `image import` (docs/images.md); a refused archive leaves the store unchanged.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("Read from a file instead of stdin.", valueName: "file")) var input: String?
    @Flag(name: .shortAndLong, help: "Print nothing but errors.") var quiet = false

    func run() throws {
        try withRuntimeErrors {
            let engine = try global.engine()
            let loaded: [String]
            if let input {
                loaded = try engine.loadImages(path: input)
            } else {
                guard isatty(STDIN_FILENO) == 0 else {
                    throw BerthError.invalidArgument("requested load from stdin, but stdin is empty: use -i FILE or a pipe")
                }
                loaded = try engine.loadImages(stream: STDIN_FILENO)
            }
            if !quiet { for name in loaded { print("Loaded image: " + Quoted.escapeControls(name)) } }
        }
    }
}
