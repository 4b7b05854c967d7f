import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

/// `berth system prune`: stopped containers, unused layers (and images with -a), anonymous
/// volumes with --volumes; asks first unless -f, as docker.
struct SystemPrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Remove stopped containers, unused images and layers, and with --volumes unused anonymous volumes.")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Remove every image no container uses, not only unused layers.") var all = false
    @Flag(help: "Also remove anonymous volumes no container uses.") var volumes = false
    @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var force = false

    func run() throws {
        try withRuntimeErrors {
            if !force {
                var what = ["all stopped containers", all ? "all images without at least one container associated to them" : "all layers no image or container uses"]
                if volumes { what.append("all anonymous volumes not used by at least one container") }
                what.append(all ? "all build cache" : "unused build cache")
                guard confirmed("This will remove:\n" + what.map { "  - " + $0 + "\n" }.joined()) else { return }
            }
            let result = try global.engine().systemPrune(allImages: all, volumes: volumes)
            if !result.containers.isEmpty { print("Deleted Containers:\n" + result.containers.joined(separator: "\n") + "\n") }
            if !result.volumes.isEmpty { print("Deleted Volumes:\n" + result.volumes.joined(separator: "\n") + "\n") }
            print(BuilderPrune.report(result.buildCache, prefix: ImagePrune.report(result.images, total: false),
                                      extra: result.images.reclaimed), terminator: "")
        }
    }
}
