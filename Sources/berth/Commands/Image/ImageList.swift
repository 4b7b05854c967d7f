import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The flags of `images` and `image ls`, docker's.
struct ImageListOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Show all images (Berth keeps no intermediate images: the same as without).") var all = false
    @Flag(name: .shortAndLong, help: "Only show image ids.") var quiet = false
    @Option(name: .shortAndLong, help: ArgumentHelp("dangling=true|false, label=KEY[=VALUE], before=IMAGE, since=IMAGE, reference=PATTERN (repeatable).", valueName: "filter"))
    var filter: [String] = []
    @Option(help: ArgumentHelp("json, table TEMPLATE or a Go template (.ID .Repository .Tag .Digest .CreatedSince .CreatedAt .Size).", valueName: "format"))
    var format: String?
    @Flag(help: "Do not truncate ids.") var noTrunc = false
    @Flag(help: "Show the manifest digests.") var digests = false
    @Flag(help: "Print Berth's records as JSON (name, tag, id, size, layers, created, config).") var json = false
    @Argument(help: "Only images whose name matches (name or name:tag, a glob).") var reference: String?

    func run(_ global: GlobalOptions) throws {
        try withRuntimeErrors {
            let engine = try global.engine()
            let format = try PSFormat(self.format)
            var specs = filter
            if let reference { specs.append("reference=" + reference) }
            let filter = try ImageListFilter(specs, resolve: engine.images.resolve)
            let images = try engine.images.list().filter(filter.matches).sorted(by: ImageRecord.listedBefore)
            if json { try printJSON(images); return }
            let now = Date()
            if quiet {
                for image in images { print(noTrunc ? "sha256:" + image.id : image.shortID) }
                return
            }
            if let format {
                print(try format.render(images.map { ImageRow.value($0, now: now, truncate: !noTrunc) }, header: ImageRow.headerValue), terminator: "")
                return
            }
            let rows = images.map { image -> [String] in
                let id = noTrunc ? "sha256:" + image.id : image.shortID
                return [image.name, image.tag] + (digests ? [image.manifestDigest ?? "<none>"] : [])
                    + [id, HumanDuration.format(now.timeIntervalSince(image.created)) + " ago", ByteSize.format(Int64(image.size))]
            }
            let header = ["REPOSITORY", "TAG"] + (digests ? ["DIGEST"] : []) + ["IMAGE ID", "CREATED", "SIZE"]
            print(Table.render(header: header, rows: rows.map { $0.map(Quoted.escapeControls) }), terminator: "")
        }
    }
}

struct ImageList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List images.", aliases: ["list"])
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ImageListOptions

    func run() throws { try options.run(global) }
}

/// `berth images`: `image ls`, as docker has both.
struct Images: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "images", abstract: "List images (same as `image ls`).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ImageListOptions

    func run() throws { try options.run(global) }
}
