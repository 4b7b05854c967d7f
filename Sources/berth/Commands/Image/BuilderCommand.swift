import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

/// `berth builder`: the build cache, as docker's `builder` group.
struct BuilderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "builder", abstract: "Manage the build cache.", subcommands: [BuilderPrune.self])
}

/// `berth builder prune [-a] [-f]`: the cache mounts no build holds and the step cache that no
/// image keeps (every step record with -a), then the layers nothing holds; asks first unless -f.
struct BuilderPrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Remove the build cache: RUN cache mounts no build uses and unused step layers.")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Also forget cached steps whose layers images still hold.") var all = false
    @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var force = false

    func run() throws {
        try withRuntimeErrors {
            guard force || confirmed("This will remove all \(all ? "" : "dangling ")build cache.") else { return }
            print(Self.report(try global.engine().pruneBuildCache(all: all)), terminator: "")
        }
    }

    /// docker's shape: `Deleted build cache objects:` and their ids, then the total (with
    /// `extra` bytes another prune reclaimed, after `prefix`, for `system prune`).
    static func report(_ r: BuildCachePruneResult, prefix: String = "", extra: UInt64 = 0) -> String {
        var text = prefix
        let objects = r.mounts.map { String($0.prefix(12)) } + r.layers.map { String($0.prefix(12)) }
        if !objects.isEmpty || r.steps > 0 {
            text += "Deleted build cache objects:\n" + objects.map { $0 + "\n" }.joined()
            if r.steps > 0 { text += "\(r.steps) cached step\(r.steps == 1 ? "" : "s")\n" }
            text += "\n"
        }
        return text + "Total reclaimed space: \(ByteSize.format(Int64(r.reclaimed + extra)))\n"
    }
}
