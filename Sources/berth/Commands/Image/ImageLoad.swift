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
            if input == nil && isatty(STDIN_FILENO) == 1 {
                throw BerthError.invalidArgument("requested load from stdin, but stdin is a terminal: use -i FILE or a pipe")
            }
            let engine = try global.engine()
            let loaded: [String]
            do {
                loaded = try input.map { try engine.loadImages(path: $0) } ?? engine.loadImages(stream: STDIN_FILENO)
            } catch let e as BerthError {
                // A refused archive is a failed load (1), as docker's, not a bad command line.
                printErr("berth: " + Quoted.escapeControls(e.description))
                throw ExitCode(e.exitCode == 125 ? 1 : e.exitCode)
            }
            if !quiet { for name in loaded { print("Loaded image: " + Quoted.escapeControls(name)) } }
        }
    }
}
