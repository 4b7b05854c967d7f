import ArgumentParser
import BerthOS
import BerthRuntime

/// `berth tag` (and `image tag`): a second name for an image.
struct ImageTag: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Give an image another name: SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG].")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The image: name[:tag] or id.") var source: String
    @Argument(help: "The new name[:tag].") var target: String

    func run() throws {
        try withRuntimeErrors {
            _ = try ImageReference(parsing: target) // bad input before anything is read
            try global.engine().tagImage(source, as: target)
        }
    }
}
