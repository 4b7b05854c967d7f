import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ImagePrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Remove layers no image references and no container uses (with -a, also every image no container uses).")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Also remove every image no container was made from.") var all = false
    @Flag(name: .shortAndLong, help: "Do not ask (Berth never asks; accepted for docker's scripts).") var force = false
    @Option(help: ArgumentHelp("Not supported yet (refused).", valueName: "filter")) var filter: [String] = []

    func run() throws {
        try withRuntimeErrors {
            guard filter.isEmpty else { throw BerthError.invalidArgument("image prune --filter is not supported yet") }
            let result = try global.engine().pruneImages(all: all)
            print(Self.report(result), terminator: "")
        }
    }

    /// docker's shape: `Deleted Images:`, `untagged: NAME`, `deleted: sha256:…`, then the total.
    static func report(_ result: ImagePruneResult, total: Bool = true) -> String {
        var text = ""
        if !result.untagged.isEmpty || !result.deletedLayers.isEmpty {
            text += "Deleted Images:\n"
            for name in result.untagged { text += "untagged: \(name)\n" }
            for layer in result.deletedLayers { text += "deleted: sha256:\(layer.id)\n" }
            text += "\n"
        }
        return total ? text + "Total reclaimed space: \(ByteSize.format(Int64(result.reclaimed)))\n" : text
    }
}
