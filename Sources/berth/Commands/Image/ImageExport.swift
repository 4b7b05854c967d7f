import ArgumentParser
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ImageExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write an image as an OCI archive (readable by skopeo oci-archive: and umoci).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Image name[:tag] or id.") var image: String
    @Argument(help: "The archive to write.") var file: String

    func run() throws {
        try withErrors {
            let result = try global.engine().exportImage(image, to: file)
            print(result.manifestDigest)
        }
    }
}
