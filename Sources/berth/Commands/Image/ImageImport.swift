import ArgumentParser
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ImageImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an image: an OCI layout or archive, a docker-archive, a rootfs tarball or a rootfs directory.",
        discussion: "The format is detected from the content. Layers are unpacked once into a shared store, keyed by digest; every digest the image lists is checked. See docs/images.md.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "name[:tag] of the new image (default: the name the image carries, else the file's name).") var name: String?
    @Option(help: ArgumentHelp("Replace the default command: a shell-free list split on spaces.", valueName: "cmd")) var cmd: String?
    @Flag(help: "Never show the progress bar.") var quiet = false
    @Argument(help: "The image: a directory or a file.") var path: String

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            var options = ImportOptions(name: try name.map(ImageReference.init(parsing:)))
            if let cmd { options.cmd = cmd.split(separator: " ").map(String.init) }
            let bar = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) == 1)
            options.progress = { bar.update($0) }
            defer { bar.finish() }
            let result = try engine.importImage(path: path, options: options)
            bar.finish()
            print(result.image.id)
        }
    }
}
