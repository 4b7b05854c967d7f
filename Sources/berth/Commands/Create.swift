import ArgumentParser
import BerthRuntime

struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a container without starting it; prints its id.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var container: ContainerOptions
    // Side by side, not nested: in debug builds ArgumentParser re-validates every nested group
    // for each level above it (about five times per level), which made `run` cost a second of CPU.
    @OptionGroup var flags: ContainerFlags
    @OptionGroup var more: RunOptionFlags
    @Option(help: "Pull the image first: missing (default), always or never.") var pull: PullPolicy = .missing
    @Flag(name: .shortAndLong, help: "Pull without printing progress.") var quiet = false
    @Argument(help: "Image name[:tag] or id.") var image: String
    @Argument(parsing: .captureForPassthrough, help: "Command and arguments (default: the image's).") var command: [String] = []

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            try pull.apply(engine, image: image, quiet: quiet)
            let record = try engine.create(container.request(image: image, command: command, cgroupParent: global.effectiveCgroupParent,
                                                               flags: flags, more: more))
            do { try container.writeCIDFile(record.id) } catch {
                try? engine.remove(record.id, force: true)
                throw error
            }
            print(record.id)
        }
    }
}
