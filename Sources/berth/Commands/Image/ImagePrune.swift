import ArgumentParser
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ImagePrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Remove layers no image references and no container uses.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try withErrors {
            let removed = try global.engine().pruneImages()
            for id in removed { print("Deleted layer: \(id.count == 64 ? "sha256:" + id : id)") }
            print("Removed \(removed.count) layer(s)")
        }
    }
}
