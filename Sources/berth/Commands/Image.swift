import ArgumentParser
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Manage images.",
        subcommands: [ImageImport.self, ImageList.self, ImageInspect.self, ImageRemove.self, ImagePrune.self,
                      ImageExport.self, ImageBusybox.self])
}

struct ImageImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an image: an OCI layout or archive, a docker-archive, a rootfs tarball or a rootfs directory.",
        discussion: "The format is detected from the content. Layers are unpacked once into a shared store, keyed by digest; every digest the image lists is checked. See docs/images.md.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "name[:tag] of the new image (default: the name the image carries, else the file's name).") var name: String?
    @Option(help: ArgumentHelp("Replace the default command: a shell-free list split on spaces.", valueName: "cmd")) var cmd: String?
    @Flag(help: "Never show the progress bar.") var quiet = false
    @Argument(help: "The image: a directory or a file.") var path: String

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            var options = ImportOptions(name: try name.map(ImageReference.init(parsing:)))
            if let cmd { options.cmd = cmd.split(separator: " ").map(String.init) }
            let bar = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) == 1)
            options.progress = { bar.update($0) }
            defer { bar.finish() }
            let result = try engine.importImage(path: path, options: options)
            bar.finish()
            print(result.image.id)
        }
    }
}

/// A one-line progress bar on stderr for imports larger than a few MB: bytes read of the total,
/// layers done, rate. Redrawn at most ten times a second; nothing when stderr is not a terminal.
final class ProgressBar: @unchecked Sendable {
    private let enabled: Bool
    private let start = Date()
    private var last = Date.distantPast
    private var shown = false
    private let lock = NSLock()
    static let threshold: UInt64 = 4 << 20

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: ImportProgress) {
        guard enabled, p.bytesTotal >= Self.threshold else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.1 || p.bytesDone >= p.bytesTotal else { return }
        last = now
        let fraction = min(1, Double(p.bytesDone) / Double(max(p.bytesTotal, 1)))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
        let rate = Double(p.bytesDone) / max(now.timeIntervalSince(start), 0.001)
        let layers = p.layersTotal > 0 ? "  layers \(p.layersDone)/\(p.layersTotal)" : ""
        let line = "[\(bar)] \(ByteSize.format(Int64(p.bytesDone)))/\(ByteSize.format(Int64(p.bytesTotal)))\(layers)  \(ByteSize.format(Int64(rate)))/s"
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        shown = true
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); shown = false }
    }
}

struct ImageBusybox: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-busybox",
        abstract: "Build an image from the host's busybox-static (no registry needed).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "name[:tag] of the image.") var name: String = "busybox:latest"
    @Option(help: "The statically linked busybox to use.") var busybox: String = "/bin/busybox"

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            let ref = try ImageReference(parsing: name)
            let tmp = engine.root + "/tmp-busybox-\(getpid())"
            try? FileManager.default.removeItem(atPath: tmp)
            defer { try? FileManager.default.removeItem(atPath: tmp) }
            let config = try BusyboxRootfs.build(at: tmp, busybox: busybox)
            let image = try engine.importImage(directory: tmp, as: ref, config: config)
            print(image.id)
        }
    }
}

struct ImageList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List images.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON (name, tag, id, size, layers, created, config).") var json = false

    func run() throws {
        try withErrors {
            let images = try global.engine().images.list().sorted { ($0.created, $0.reference) > ($1.created, $1.reference) }
            if json { try printJSON(images); return }
            let now = Date()
            let rows = images.map {
                [$0.name, $0.tag, $0.shortID, HumanDuration.format(now.timeIntervalSince($0.created)) + " ago",
                 ByteSize.format(Int64($0.size)), String($0.layers.count)]
            }
            print(Table.render(header: ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "LAYERS"], rows: rows), terminator: "")
        }
    }
}

struct ImageInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show images as JSON: layers, config, users.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Image name[:tag] or id.") var images: [String]

    struct Output: Encodable {
        var image: ImageRecord
        var diffIDs: [String]
        var layerDirectories: [String]
        var containers: [String]

        func encode(to encoder: Encoder) throws {
            try image.encode(to: encoder)
            enum K: String, CodingKey { case diffIDs, layerDirectories, containers }
            var c = encoder.container(keyedBy: K.self)
            try c.encode(diffIDs, forKey: .diffIDs)
            try c.encode(layerDirectories, forKey: .layerDirectories)
            try c.encode(containers, forKey: .containers)
        }
    }

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            let out = try images.map { ref -> Output in
                let image = try engine.images.resolve(ref)
                return Output(image: image, diffIDs: image.layers.map { $0.count == 64 ? "sha256:" + $0 : $0 },
                              layerDirectories: image.layers.map(engine.images.layerPath),
                              containers: engine.imageUsers(image).map(\.name))
            }
            try printJSON(out)
        }
    }
}

struct ImageRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove images.",
        discussion: "Refused while a container uses the image; with -f, refused only while one runs (stopped containers keep their layers).")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Remove even if stopped containers use the image.") var force = false
    @Argument(help: "Image name[:tag] or id.") var images: [String]

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            for ref in images {
                let removed = try engine.removeImage(ref, force: force)
                print("Deleted: \(removed.reference) \(removed.shortID)")
            }
        }
    }
}

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
