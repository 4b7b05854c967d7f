import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `image prune` removed: the names untagged (with `-a`), and the layers deleted with their size.
public struct ImagePruneResult: Sendable {
    public var untagged: [String]
    public var deletedLayers: [(id: String, size: UInt64)]
    public var reclaimed: UInt64 { deletedLayers.reduce(0) { $0 + $1.size } }
}

/// What removing one image reference did: the names untagged, and the image id when its last name went.
public struct ImageRemoval: Sendable {
    public var untagged: [String]
    public var deletedID: String?
}

/// The image verbs of the façade: each passes the layers containers run on to the store, so no
/// import, removal or prune ever deletes a layer under a container.
extension Engine {
    /// Imports a root filesystem directory as `reference`, keeping the layers of a replaced tag
    /// that containers still use.
    @discardableResult
    public func importImage(directory: String, as reference: ImageReference, config: ImageConfig) throws -> ImageRecord {
        try images.importDirectory(directory, as: reference, config: config, layersInUse: store.layersInUse())
    }

    /// Imports an OCI layout or archive, a docker-archive, a rootfs tarball or a rootfs directory.
    @discardableResult
    public func importImage(path: String, options: ImportOptions = ImportOptions()) throws -> ImportResult {
        var o = options
        o.layersInUse = store.layersInUse()
        return try ImageImporter(store: images, options: o).run(path)
    }

    /// Builds an image from the host's statically linked busybox (no registry needed): a root
    /// filesystem of busybox and its applet links (`BusyboxRootfs`), imported as `reference`.
    @discardableResult
    public func importBusybox(as reference: ImageReference, busybox: String = BusyboxRootfs.defaultBinary) throws -> ImageRecord {
        let tmp = root + "/tmp-busybox-\(getpid())"
        try FileIO.removeTree(tmp)
        defer { try? FileIO.removeTree(tmp) }
        let config = try BusyboxRootfs.build(at: tmp, busybox: busybox)
        return try importImage(directory: tmp, as: reference, config: config)
    }

    /// The containers made from `image`.
    public func imageUsers(_ image: ImageRecord) -> [ImageUser] {
        store.containerIDs().compactMap { id in
            guard let r = store.record(id), r.imageID == image.id, r.image == image.reference else { return nil }
            return ImageUser(name: r.name, running: store.state(id).isRunning)
        }.sorted { $0.name < $1.name }
    }

    /// `rmi`/`image rm` of one reference, as docker: a name is untagged, and the image deleted
    /// with its last name. An id names every tag of the image: refused while there are several
    /// unless `force`. See `ImageStore.remove` for when containers refuse it.
    @discardableResult
    public func removeImage(_ ref: String, force: Bool = false) throws -> ImageRemoval {
        let image = try images.resolve(ref)
        let all = try images.list()
        let byName = all.contains { $0.reference == image.reference && ((try? ImageReference(parsing: ref))?.description == $0.reference) }
        let targets = byName ? [image] : all.filter { $0.id == image.id }
        if targets.count > 1 && !force {
            throw BerthError.invalidState("unable to delete \(image.shortID) (must be forced): the image is referenced by \(targets.map(\.reference).joined(separator: ", "))")
        }
        var removal = ImageRemoval(untagged: [], deletedID: nil)
        for target in targets {
            _ = try images.remove(target.reference, users: imageUsers(target), force: force, layersInUse: store.layersInUse())
            removal.untagged.append(target.reference)
        }
        if try !images.list().contains(where: { $0.id == image.id }) { removal.deletedID = image.id }
        return removal
    }

    /// `image prune`: with `all`, first every image no container was made from (docker's `-a`;
    /// Berth keeps no dangling, untagged images, so without it only layers go); then the layers
    /// no image and no container uses, and import leftovers.
    @discardableResult
    public func pruneImages(all: Bool = false) throws -> ImagePruneResult {
        var untagged: [String] = []
        var deleted: [(id: String, size: UInt64)] = []
        if all {
            for image in try images.list() where imageUsers(image).isEmpty {
                let sizes = Dictionary(zip(image.layers, image.layerSizes ?? []), uniquingKeysWith: { a, _ in a })
                guard (try? images.remove(image.reference, users: [], force: false, layersInUse: store.layersInUse())) != nil else { continue }
                untagged.append(image.reference)
                for layer in Set(image.layers) where !images.layerExists(layer) { deleted.append((layer, sizes[layer] ?? 0)) }
            }
        }
        deleted += try images.prune(layersInUse: store.layersInUse())
        return ImagePruneResult(untagged: untagged, deletedLayers: deleted)
    }

    /// Writes `ref` as an OCI archive (`skopeo … oci-archive:FILE`).
    @discardableResult
    public func exportImage(_ ref: String, to file: String) throws -> ExportResult {
        try ImageExporter(store: images).export(try images.resolve(ref), to: file)
    }

    /// `berth tag SOURCE TARGET`: the source image under a second name.
    public func tagImage(_ source: String, as target: String) throws {
        let reference = try ImageReference(parsing: target)
        try images.tag(try images.resolve(source), as: reference, layersInUse: store.layersInUse())
    }

    /// `berth history IMAGE`.
    public func imageHistory(_ ref: String) throws -> [ImageHistoryEntry] {
        images.history(try images.resolve(ref))
    }

    /// `berth save`: the images `refs` name, as one archive on `fd` (`path` names it in messages).
    /// An image named by id is written without a name, as docker does.
    public func saveImages(_ refs: [String], format: ImageArchiveFormat, to fd: Int32, path: String) throws {
        var items: [ImageExporter.Item] = []
        for ref in refs {
            let image = try images.resolve(ref)
            let named = image.reference == ref || (try? ImageReference(parsing: ref))?.description == image.reference
            if let i = items.firstIndex(where: { $0.image.id == image.id }) {
                if named, !items[i].references.contains(where: { $0.description == image.reference }) {
                    items[i].references.append(try ImageReference(parsing: image.reference))
                }
            } else {
                items.append(.init(image: image, references: named ? [try ImageReference(parsing: image.reference)] : []))
            }
        }
        _ = try ImageExporter(store: images).write(items, format: format, to: fd, path: path)
    }

    /// `berth load` from a stream (stdin): spooled into the store's `tmp/` (a `.tmp-PID-…` file,
    /// swept by the next import if this process is killed), then loaded as a file.
    public func loadImages(stream fd: Int32) throws -> [String] {
        try FileIO.mkdirs(root + "/tmp", mode: 0o700)
        let spool = images.temporaryPath(in: root + "/tmp") + ".tar"
        let out = open(spool, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard out >= 0 else { throw BerthError.errno("create", spool) }
        defer { unlink(spool) }
        do {
            defer { close(out) }
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n == 0 { break }
                if n < 0 { if errno == EINTR { continue }; throw BerthError.errno("read", "stdin") }
                var done = 0
                while done < n {
                    let w = buffer.withUnsafeBytes { write(out, $0.baseAddress! + done, n - done) }
                    if w < 0 { if errno == EINTR { continue }; throw BerthError.errno("write", spool) }
                    done += w
                }
            }
        }
        return try loadImages(path: spool)
    }

    /// `berth load`: every image of an archive (docker-archive, OCI archive or layout) under the
    /// names it carries. Returns the names (or ids) loaded, as docker prints them.
    public func loadImages(path: String) throws -> [String] {
        var st = stat()
        guard stat(path, &st) == 0 else { throw BerthError.errno("open", path) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw BerthError.invalidArgument("\(path.quoted) is not a file: load reads an image archive") }
        switch try ImageImporter.probe(path) {
        case .ociArchive, .dockerArchive: break
        default:
            throw BerthError.invalidArgument("\(path.quoted) is not an image archive (no manifest.json, no oci-layout and index.json): use berth image import for a root filesystem")
        }
        var strict = ImportOptions()
        strict.strictNames = true
        let first = try importImage(path: path, options: strict)
        var loaded = [first.image.reference]
        guard first.format == .dockerArchive || first.format == .dockerArchiveDirectory else { return loaded }
        // The first image's other names, then the archive's other images, each by its first name.
        for (i, tags) in first.archiveImages.enumerated() {
            let names = tags.map(ImageImporter.strip)
            if i == 0 || names.contains(first.image.reference) {
                for name in names where name != first.image.reference {
                    try tagImage(first.image.reference, as: name)
                    loaded.append(try ImageReference(parsing: name).description)
                }
                continue
            }
            guard let name = names.first else { continue }
            var options = ImportOptions(name: try ImageReference(parsing: name))
            options.strictNames = true
            loaded.append(try importImage(path: path, options: options).image.reference)
            for other in names.dropFirst() {
                try tagImage(name, as: other)
                loaded.append(try ImageReference(parsing: other).description)
            }
        }
        return loaded
    }
}
