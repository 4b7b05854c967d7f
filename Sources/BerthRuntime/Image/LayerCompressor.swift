import BerthOS
import CArchive
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How `push` sends a layer: compressed as docker and podman do (gzip by default), or as the
/// uncompressed tar `save` writes. The image config's DiffIDs are the uncompressed digests either way.
public enum LayerCompression: String, Sendable, CaseIterable {
    case gzip, zstd, none
}

/// The manifest schema a push writes: OCI's (the default, as podman's) or Docker's schema 2
/// (`push --format v2s2`, what `docker push` writes), for registries and tools that take only
/// Docker's media types. The blobs are the same bytes either way; only the types, and so the
/// manifest's digest, differ.
public enum ManifestFormat: String, Sendable, CaseIterable {
    case oci, v2s2

    public var manifestMediaType: String { self == .oci ? OCIMediaType.manifest : OCIMediaType.dockerManifest }
    public var configMediaType: String { self == .oci ? OCIMediaType.config : OCIMediaType.dockerConfig }

    /// The type of a layer sent with `compression`; Docker's schema 2 has no zstd type.
    public func layerMediaType(_ compression: LayerCompression) throws -> String {
        switch (self, compression) {
        case (.oci, .gzip): return OCIMediaType.layerTar + "+gzip"
        case (.oci, .zstd): return OCIMediaType.layerTar + "+zstd"
        case (.oci, .none): return OCIMediaType.layerTar
        case (.v2s2, .gzip): return OCIMediaType.dockerLayer + ".gzip"
        case (.v2s2, .none): return OCIMediaType.dockerLayer
        case (.v2s2, .zstd):
            throw BerthError.invalidArgument("--format v2s2: Docker's schema 2 has no zstd layers (use --compression gzip or --format oci)")
        }
    }
}

/// A layer blob as a registry receives it: its digest and size, for the manifest and the upload.
public struct LayerBlob: Sendable, Equatable, Codable {
    public var digest: Digest
    public var size: UInt64

    public init(digest: Digest, size: UInt64) {
        self.digest = digest
        self.size = size
    }
}

/// Compresses an uncompressed layer tar into a new file, hashing the compressed bytes as they are
/// written (one pass, memory bounded by libarchive's buffers whatever the layer's size).
///
/// The output is a function of the input alone: libarchive's raw format writes no tar header, the
/// gzip header carries no name and (`!timestamp`) no time, and zlib at its default level (6) and
/// zstd at its default level (3) are deterministic for the same library version. So a layer
/// compressed again after its file was removed gets the digest it had (`CompressedLayerIndex`).
struct LayerCompressor {
    let compression: LayerCompression

    /// Writes `source` compressed to `destination` (created, must not exist); returns the blob.
    func compress(_ source: String, to destination: String) throws -> LayerBlob {
        precondition(compression != .none, "an uncompressed layer is pushed as it is")
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw BerthError.errno("open", source) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw BerthError.errno("create", destination) }
        defer { close(output) }
        let sink = HashingFileSink(fd: output)
        guard let archive = archive_write_new() else { throw BerthError.invalidArgument("\(source): libarchive could not start a writer") }
        defer { archive_write_free(archive) }
        func failure() -> BerthError {
            if sink.writeError != 0 { return BerthError.errno("write", destination, sink.writeError) }
            return BerthError.invalidArgument("\(destination): cannot compress (\(compression.rawValue)): \(TarStream.message(archive))")
        }
        archive_write_set_format_raw(archive)
        switch compression {
        case .gzip:
            guard archive_write_add_filter_gzip(archive) == ARCHIVE_OK,
                  archive_write_set_filter_option(archive, "gzip", "timestamp", nil) == ARCHIVE_OK else { throw failure() }
        case .zstd:
            guard archive_write_add_filter_zstd(archive) == ARCHIVE_OK else { throw failure() }
        case .none: break
        }
        // Unblocked: no padding after the compressed stream (it would be part of the blob).
        archive_write_set_bytes_per_block(archive, 0)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        let opened = archive_write_open(archive, context, nil, { _, client, data, length in
            Unmanaged<HashingFileSink>.fromOpaque(client!).takeUnretainedValue().write(data!, length)
        }, nil)
        guard opened == ARCHIVE_OK else { throw failure() }
        let entry = archive_entry_new()!
        defer { archive_entry_free(entry) }
        archive_entry_copy_pathname(entry, "layer.tar")
        archive_entry_set_mode(entry, S_IFREG | 0o600)
        guard archive_write_header(archive, entry) == ARCHIVE_OK else { throw failure() }
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = read(input, buffer, chunk)
            if n == 0 { break }
            if n < 0 { if errno == EINTR { continue }; throw BerthError.errno("read", source) }
            guard archive_write_data(archive, buffer, n) == n else { throw failure() }
        }
        guard archive_write_close(archive) == ARCHIVE_OK else { throw failure() }
        guard fsync(output) == 0 else { throw BerthError.errno("fsync", destination) }
        return LayerBlob(digest: sink.hasher.finish(), size: sink.bytes)
    }
}

/// libarchive's output callback target: writes to a file and hashes what it wrote.
private final class HashingFileSink {
    let fd: Int32
    let hasher = SHA256Hasher()
    var bytes: UInt64 = 0
    var writeError: Int32 = 0

    init(fd: Int32) { self.fd = fd }

    func write(_ data: UnsafeRawPointer, _ length: Int) -> Int {
        var done = 0
        while done < length {
            let n = Glibc.write(fd, data + done, length - done)
            if n < 0 { if errno == EINTR { continue }; writeError = errno; return -1 }
            done += n
        }
        hasher.update(data, count: length)
        bytes += UInt64(length)
        return length
    }
}
