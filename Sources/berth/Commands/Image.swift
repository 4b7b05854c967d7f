import ArgumentParser
import BerthRuntime
import Foundation

struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Manage images.",
        subcommands: [ImageImport.self, ImageList.self, ImageRemove.self, ImageBusybox.self])
}

struct ImageImport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import a root filesystem directory as an image.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "name[:tag] of the new image (default: the directory's name).") var name: String?
    @Option(help: ArgumentHelp("Default command, as a shell-free list split on spaces.", valueName: "cmd")) var cmd: String?
    @Argument(help: "Directory holding the root filesystem.") var path: String

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            let base = URL(fileURLWithPath: path).lastPathComponent.lowercased()
            let ref = try ImageReference(parsing: name ?? base)
            var config = ImageConfig(env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
            if let cmd { config.cmd = cmd.split(separator: " ").map(String.init) }
            let image = try engine.importImage(directory: path, as: ref, config: config)
            print(image.id)
        }
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
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try withErrors {
            let images = try global.engine().images.list().sorted { $0.created > $1.created }
            if json { try printJSON(images); return }
            let now = Date()
            let rows = images.map {
                [$0.name, $0.tag, $0.shortID, HumanDuration.format(now.timeIntervalSince($0.created)) + " ago",
                 ByteSize.format(Int64($0.size))]
            }
            print(Table.render(header: ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], rows: rows), terminator: "")
        }
    }
}

struct ImageRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove images no container uses.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Image name[:tag] or id.") var images: [String]

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            for ref in images {
                let image = try engine.images.resolve(ref)
                let users = try engine.list(all: true).filter { $0.image == image.reference }.map(\.name)
                let removed = try engine.images.remove(ref, inUse: users)
                print("Deleted: \(removed.reference) \(removed.shortID)")
            }
        }
    }
}
