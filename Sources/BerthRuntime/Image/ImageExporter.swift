import BerthOS
import CArchive
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct ExportResult: Sendable {
    public var manifestDigest: String
    public var bytes: UInt64
    public var layers: Int
}

/// An image as a registry push needs it: the manifest, the config and the layer files (in a
/// staging directory the caller removes).
public struct PushableImage: Sendable {
    public struct Layer: Sendable {
        public var digest: Digest
        public var path: String
        public var size: UInt64
    }
    public var manifest: [UInt8]
    public var manifestDigest: Digest
    public var mediaType: String
    public var config: [UInt8]
    public var configDigest: Digest
    public var layers: [Layer]

    /// The manifest naming `blobs` (in layer order) as the layers sent with `compression`, in
    /// `format`: what a push sends instead of `manifest` (OCI, naming the uncompressed tars).
    public func manifest(layers blobs: [LayerBlob], compression: LayerCompression, format: ManifestFormat) throws -> [UInt8] {
        try ImageExporter.manifestBytes(configDigest: configDigest, configSize: config.count,
                                        layerType: try format.layerMediaType(compression), layers: blobs, format: format)
    }
}

/// The archive formats `save` writes.
public enum ImageArchiveFormat: String, Sendable, CaseIterable {
    /// What `docker save` writes: `manifest.json`, `<config hex>.json`, `<DiffID hex>/layer.tar`.
    case dockerArchive = "docker-archive"
    /// A tar of an OCI image layout (`skopeo copy … oci-archive:FILE`).
    case ociArchive = "oci-archive"
}

/// Writes images as an archive: an OCI archive (`oci-layout`, `index.json`, `blobs/sha256/…`) or
/// a docker-archive. Each layer directory goes back to its OCI form (uncompressed tar, whiteouts
/// as `.wh.` files, `LayerTarWriter`'s canonical bytes). The config is the one the image was
/// imported with when the layers come out with the DiffIDs it lists (so the image id survives
/// `save` and `load`), else one with the image's defaults, history and the new DiffIDs.
struct ImageExporter {
    let store: ImageStore

    /// One image to write and the names it goes under (none when it was named by id).
    struct Item {
        var image: ImageRecord
        var references: [ImageReference]
    }

    /// An image's blobs, once its layers are written out.
    private struct Prepared {
        var item: Item
        var config: [UInt8]
        var configDigest: Digest
        var diffIDs: [Digest]
    }

    /// `image export IMAGE FILE`: an OCI archive, written beside `file` and renamed when complete.
    func export(_ image: ImageRecord, to file: String) throws -> ExportResult {
        let tmp = file + ".tmp-\(getpid())"
        let out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard out >= 0 else { throw BerthError.errno("create", tmp) }
        var closed = false
        defer { if !closed { close(out) }; unlink(tmp) }
        let ref = try ImageReference(parsing: image.reference)
        var result = try write([Item(image: image, references: [ref])], format: .ociArchive, to: out, path: file)
        guard fsync(out) == 0 else { throw BerthError.errno("fsync", tmp) }
        var st = stat()
        fstat(out, &st)
        result.bytes = UInt64(st.st_size)
        close(out)
        closed = true
        guard rename(tmp, file) == 0 else { throw BerthError.errno("rename", file) }
        return result
    }

    /// Writes `items` as one archive on `fd` (`path` names it in messages). Layers shared by
    /// several images are written once.
    func write(_ items: [Item], format: ImageArchiveFormat, to fd: Int32, path: String) throws -> ExportResult {
        try FileIO.mkdirs(store.root + "/tmp", mode: 0o700)
        let staging = store.temporaryPath(in: store.root + "/tmp")
        guard mkdir(staging, 0o700) == 0 else { throw BerthError.errno("mkdir", staging) }
        defer { try? TreeRemover.remove(staging) }

        let (tars, prepared) = try prepare(items, staging: staging)

        let a = archive_write_new()!
        defer { archive_write_free(a) }
        archive_write_set_format_pax_restricted(a)
        archive_write_add_filter_none(a)
        guard archive_write_open_fd(a, fd) == ARCHIVE_OK else { throw BerthError.invalidArgument("\(path): \(TarStream.message(a))") }
        let w = ArchiveEntries(archive: a, path: path)
        var written = Set<Digest>()
        func blob(_ name: String, _ digest: Digest, file: String, size: UInt64) throws {
            guard written.insert(digest).inserted else { return }
            try w.file(name, from: file, size: size)
        }
        var manifestDigest = ""
        switch format {
        case .ociArchive:
            try w.small("oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
            try w.directory("blobs/")
            try w.directory("blobs/sha256/")
            var descriptors: [OCIDescriptor] = []
            for p in prepared {
                if written.insert(p.configDigest).inserted { try w.small("blobs/sha256/" + p.configDigest.hex, p.config) }
                let bytes = try manifestBytes(p, tars)
                let digest = Digest.of(bytes)
                if written.insert(digest).inserted { try w.small("blobs/sha256/" + digest.hex, bytes) }
                for id in p.item.image.layers { try blob("blobs/sha256/" + tars[id]!.digest.hex, tars[id]!.digest, file: tars[id]!.path, size: tars[id]!.size) }
                manifestDigest = manifestDigest.isEmpty ? digest.description : manifestDigest
                let platform = OCIPlatform(architecture: p.item.image.architecture ?? ImageImporter.hostArchitecture(), os: p.item.image.os ?? "linux")
                let names = p.item.references.isEmpty ? [nil] : p.item.references.map { Optional($0) }
                for ref in names {
                    descriptors.append(OCIDescriptor(mediaType: OCIMediaType.manifest, digest: digest.description, size: Int64(bytes.count),
                                                     platform: platform,
                                                     annotations: ref.map { ["org.opencontainers.image.ref.name": $0.tag,
                                                                             "io.containerd.image.name": $0.description] }))
                }
            }
            let index = OCIIndex(schemaVersion: 2, mediaType: OCIMediaType.index, manifests: descriptors)
            try w.small("index.json", Array(try JSONEncoder.oci.encode(index)))
        case .dockerArchive:
            var entries: [DockerArchiveManifest] = []
            for p in prepared {
                let configName = p.configDigest.hex + ".json"
                if written.insert(p.configDigest).inserted { try w.small(configName, p.config) }
                var layerNames: [String] = []
                for id in p.item.image.layers {
                    let t = tars[id]!
                    if !written.contains(t.digest) { try w.directory(t.digest.hex + "/") }
                    try blob(t.digest.hex + "/layer.tar", t.digest, file: t.path, size: t.size)
                    layerNames.append(t.digest.hex + "/layer.tar")
                }
                entries.append(DockerArchiveManifest(Config: configName, RepoTags: p.item.references.map(\.description), Layers: layerNames))
            }
            let manifest = Array(try JSONEncoder.oci.encode(entries))
            manifestDigest = Digest.of(manifest).description
            try w.small("manifest.json", manifest)
        }
        guard archive_write_close(a) == ARCHIVE_OK else { throw w.failure() }
        return ExportResult(manifestDigest: manifestDigest, bytes: 0, layers: tars.count)
    }

    /// Each layer directory as a tar in `staging`, once: DiffID, file and size by layer id; and
    /// each image's config for those DiffIDs.
    private func prepare(_ items: [Item], staging: String) throws
        -> (tars: [String: (digest: Digest, path: String, size: UInt64)], prepared: [Prepared]) {
        var tars: [String: (digest: Digest, path: String, size: UInt64)] = [:]
        var prepared: [Prepared] = []
        for item in items {
            var diffIDs: [Digest] = []
            for id in item.image.layers {
                if let known = tars[id] { diffIDs.append(known.digest); continue }
                let file = staging + "/layer-\(tars.count).tar"
                let out = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                guard out >= 0 else { throw BerthError.errno("create", file) }
                let result: (digest: Digest, size: UInt64)
                do {
                    result = try LayerTarWriter(fd: out, path: file).writeTree(store.layerPath(id))
                    close(out)
                } catch { close(out); throw error }
                tars[id] = (result.digest, file, result.size)
                diffIDs.append(result.digest)
            }
            let config = try configBlob(item.image, diffIDs: diffIDs)
            prepared.append(Prepared(item: item, config: config, configDigest: Digest.of(config), diffIDs: diffIDs))
        }
        return (tars, prepared)
    }

    /// The OCI manifest of a prepared image: its layers as uncompressed tars.
    private func manifestBytes(_ p: Prepared, _ tars: [String: (digest: Digest, path: String, size: UInt64)]) throws -> [UInt8] {
        try Self.manifestBytes(configDigest: p.configDigest, configSize: p.config.count, layerType: OCIMediaType.layerTar,
                               layers: p.item.image.layers.map { LayerBlob(digest: tars[$0]!.digest, size: tars[$0]!.size) })
    }

    /// A manifest: the config and the layers, all of `layerType`. The one writer of manifests
    /// `save` and `push` produce, so both give the same digest for the same blobs.
    static func manifestBytes(configDigest: Digest, configSize: Int, layerType: String, layers: [LayerBlob],
                              format: ManifestFormat = .oci) throws -> [UInt8] {
        let manifest = OCIManifest(schemaVersion: 2, mediaType: format.manifestMediaType,
                                   config: OCIDescriptor(mediaType: format.configMediaType, digest: configDigest.description,
                                                         size: Int64(configSize)),
                                   layers: layers.map { OCIDescriptor(mediaType: layerType, digest: $0.digest.description, size: Int64($0.size)) })
        return Array(try JSONEncoder.oci.encode(manifest))
    }

    /// The blobs a registry push uploads, written into `staging` (which the caller removes): the
    /// layers as `save` writes them, the config, and the manifest, whose digest `save` reports too.
    func pushable(_ image: ImageRecord, staging: String) throws -> PushableImage {
        let (tars, prepared) = try prepare([Item(image: image, references: [])], staging: staging)
        let p = prepared[0]
        let manifest = try manifestBytes(p, tars)
        return PushableImage(manifest: manifest, manifestDigest: Digest.of(manifest), mediaType: OCIMediaType.manifest,
                             config: p.config, configDigest: p.configDigest,
                             layers: image.layers.map { PushableImage.Layer(digest: tars[$0]!.digest, path: tars[$0]!.path, size: tars[$0]!.size) })
    }

    /// The stored config when its DiffIDs are the layers as written now, else a new one.
    private func configBlob(_ image: ImageRecord, diffIDs: [Digest]) throws -> [UInt8] {
        let stored = store.configBytes(image)
        let parsed = stored.flatMap { try? JSONDecoder().decode(OCIImageConfigFile.self, from: Data($0)) }
        if let stored, let ids = parsed?.rootfs?.diff_ids, ids == diffIDs.map(\.description) { return stored }
        var config = OCIImageConfigFile(created: Timestamp(image.created).rfc3339,
                                        architecture: image.architecture ?? ImageImporter.hostArchitecture(),
                                        os: image.os ?? "linux", config: image.config, diffIDs: diffIDs)
        config.history = parsed?.history
        return Array(try JSONEncoder.oci.encode(config))
    }
}

/// Entries of an archive being written: directories, small files from memory, files copied.
private struct ArchiveEntries {
    let archive: OpaquePointer
    let path: String
    let now = time(nil)

    func failure() -> BerthError { BerthError.invalidArgument("\(path): \(TarStream.message(archive))") }

    private func header(_ name: String, mode: mode_t, size: Int64) throws {
        let e = archive_entry_new()!
        defer { archive_entry_free(e) }
        archive_entry_copy_pathname(e, name)
        archive_entry_set_mode(e, mode)
        archive_entry_set_size(e, size)
        archive_entry_set_mtime(e, now, 0)
        guard archive_write_header(archive, e) == ARCHIVE_OK else { throw failure() }
    }

    func directory(_ name: String) throws { try header(name, mode: S_IFDIR | 0o755, size: 0) }

    func small(_ name: String, _ bytes: [UInt8]) throws {
        try header(name, mode: S_IFREG | 0o644, size: Int64(bytes.count))
        guard bytes.withUnsafeBytes({ archive_write_data(archive, $0.baseAddress, $0.count) }) == bytes.count else { throw failure() }
    }

    func file(_ name: String, from file: String, size: UInt64) throws {
        try header(name, mode: S_IFREG | 0o644, size: Int64(size))
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BerthError.errno("open", file) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer, 1 << 20)
            if n == 0 { break }
            if n < 0 { if errno == EINTR { continue }; throw BerthError.errno("read", file) }
            guard archive_write_data(archive, buffer, n) == n else { throw failure() }
        }
    }
}
