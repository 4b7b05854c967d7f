import ArgumentParser
import BerthOS
import BerthRuntime

/// `berth save` (and `image save`): images as one archive, to `-o FILE` or stdout.
struct ImageSave: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save", abstract: "Write images as a tar archive (docker-archive, or --format oci-archive).",
        discussion: "The archive docker save writes (docker load, skopeo docker-archive: and berth load read it). An image named by id is written without a name.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("Write to a file instead of stdout.", valueName: "file")) var output: String?
    @Option(help: ArgumentHelp("docker-archive or oci-archive.", valueName: "format")) var format: String = ImageArchiveFormat.dockerArchive.rawValue
    @Argument(help: "Image names[:tag] or ids.") var images: [String]

    func run() throws {
        try withRuntimeErrors {
            guard let format = ImageArchiveFormat(rawValue: format) else {
                throw BerthError.invalidArgument("unknown archive format \(format.quoted): use docker-archive or oci-archive")
            }
            guard !images.isEmpty else { throw BerthError.invalidArgument("give at least one image name or id") }
            let engine = try global.engine()
            for ref in images { _ = try engine.images.resolve(ref) } // every name exists before a byte is written
            try ArchiveOutput.write(to: output, verb: "save") { fd, path in
                try engine.saveImages(images, format: format, to: fd, path: path)
            }
        }
    }
}
