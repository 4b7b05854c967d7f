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

/// Writes an image as an OCI archive: a tar of an OCI image layout (`oci-layout`, `index.json`,
/// `blobs/sha256/…`), what `skopeo copy … oci-archive:FILE` writes. Each layer directory goes back
/// to its OCI form (uncompressed tar, whiteouts as `.wh.` files); the config keeps the image's
/// defaults with the new DiffIDs. The file appears only when complete (written aside, renamed).
struct ImageExporter {
    let store: ImageStore

    func export(_ image: ImageRecord, to file: String) throws -> ExportResult {
        try FileIO.mkdirs(store.root + "/tmp", mode: 0o700)
        let staging = store.temporaryPath(in: store.root + "/tmp")
        guard mkdir(staging, 0o700) == 0 else { throw BerthError.errno("mkdir", staging) }
        defer { try? TreeRemover.remove(staging) }

        var blobs: [(digest: Digest, path: String, size: UInt64)] = []
        var layerDescriptors: [OCIDescriptor] = []
        var diffIDs: [Digest] = []
        for (i, id) in image.layers.enumerated() {
            let path = staging + "/layer-\(i).tar"
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw BerthError.errno("create", path) }
            let result: (digest: Digest, size: UInt64)
            do {
                result = try LayerTarWriter(fd: fd, path: path).writeTree(store.layerPath(id))
                close(fd)
            } catch { close(fd); throw error }
            diffIDs.append(result.digest)
            layerDescriptors.append(OCIDescriptor(mediaType: OCIMediaType.layerTar, digest: result.digest.description,
                                                  size: Int64(result.size)))
            if !blobs.contains(where: { $0.digest == result.digest }) { blobs.append((result.digest, path, result.size)) }
        }
        let config = OCIImageConfigFile(created: Timestamp(image.created).rfc3339, architecture: image.architecture ?? ImageImporter.hostArchitecture(),
                                        os: image.os ?? "linux", config: image.config, diffIDs: diffIDs)
        let configBytes = Array(try JSONEncoder.oci.encode(config))
        let configDigest = Digest.of(configBytes)
        let manifest = OCIManifest(schemaVersion: 2, mediaType: OCIMediaType.manifest,
                                   config: OCIDescriptor(mediaType: OCIMediaType.config, digest: configDigest.description, size: Int64(configBytes.count)),
                                   layers: layerDescriptors)
        let manifestBytes = Array(try JSONEncoder.oci.encode(manifest))
        let manifestDigest = Digest.of(manifestBytes)
        let index = OCIIndex(schemaVersion: 2, mediaType: OCIMediaType.index, manifests: [
            OCIDescriptor(mediaType: OCIMediaType.manifest, digest: manifestDigest.description, size: Int64(manifestBytes.count),
                          platform: OCIPlatform(architecture: config.architecture ?? "amd64", os: config.os ?? "linux"),
                          annotations: ["org.opencontainers.image.ref.name": image.tag,
                                        "io.containerd.image.name": image.reference]),
        ])
        let indexBytes = Array(try JSONEncoder.oci.encode(index))

        let tmp = file + ".tmp-\(getpid())"
        let out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard out >= 0 else { throw BerthError.errno("create", tmp) }
        var closed = false
        defer { if !closed { close(out) }; unlink(tmp) }
        let a = archive_write_new()!
        defer { archive_write_free(a) }
        archive_write_set_format_pax_restricted(a)
        archive_write_add_filter_none(a)
        guard archive_write_open_fd(a, out) == ARCHIVE_OK else { throw BerthError.invalidArgument("\(file): \(TarStream.message(a))") }
        let now = time(nil)
        func entry(_ name: String, directory: Bool = false, size: Int = 0) throws {
            let e = archive_entry_new()!
            defer { archive_entry_free(e) }
            archive_entry_copy_pathname(e, name)
            archive_entry_set_mode(e, directory ? (S_IFDIR | 0o755) : (S_IFREG | 0o644))
            archive_entry_set_size(e, directory ? 0 : Int64(size))
            archive_entry_set_mtime(e, now, 0)
            guard archive_write_header(a, e) == ARCHIVE_OK else { throw BerthError.invalidArgument("\(file): \(TarStream.message(a))") }
        }
        func small(_ name: String, _ bytes: [UInt8]) throws {
            try entry(name, size: bytes.count)
            guard bytes.withUnsafeBytes({ archive_write_data(a, $0.baseAddress, $0.count) }) == bytes.count else {
                throw BerthError.invalidArgument("\(file): \(TarStream.message(a))")
            }
        }
        try small("oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
        try small("index.json", indexBytes)
        try entry("blobs/", directory: true)
        try entry("blobs/sha256/", directory: true)
        try small("blobs/sha256/" + manifestDigest.hex, manifestBytes)
        try small("blobs/sha256/" + configDigest.hex, configBytes)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        for blob in blobs {
            try entry("blobs/sha256/" + blob.digest.hex, size: Int(blob.size))
            let fd = open(blob.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw BerthError.errno("open", blob.path) }
            defer { close(fd) }
            while true {
                let n = read(fd, buffer, 1 << 20)
                if n == 0 { break }
                if n < 0 { if errno == EINTR { continue }; throw BerthError.errno("read", blob.path) }
                guard archive_write_data(a, buffer, n) == n else { throw BerthError.invalidArgument("\(file): \(TarStream.message(a))") }
            }
        }
        guard archive_write_close(a) == ARCHIVE_OK else { throw BerthError.invalidArgument("\(file): \(TarStream.message(a))") }
        guard fsync(out) == 0 else { throw BerthError.errno("fsync", tmp) }
        var st = stat()
        fstat(out, &st)
        close(out)
        closed = true
        guard rename(tmp, file) == 0 else { throw BerthError.errno("rename", file) }
        return ExportResult(manifestDigest: manifestDigest.description, bytes: UInt64(st.st_size), layers: image.layers.count)
    }
}
