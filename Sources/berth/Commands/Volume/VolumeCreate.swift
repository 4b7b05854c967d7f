import ArgumentParser
import BerthRuntime

struct VolumeCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a volume (an existing one is kept as it is); prints its name.")
    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .customLong("label")], help: ArgumentHelp("Set a label.", valueName: "KEY=VALUE")) var labels: [String] = []
    @Argument(help: "Volume name (default: a random one).") var name: String?

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            print(try engine.createVolume(name, labels: try ContainerFlags.labelMap(labels)).name)
        }
    }
}
