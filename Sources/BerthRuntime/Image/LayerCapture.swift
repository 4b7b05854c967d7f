import BerthOS
#if canImport(Glibc)
import Glibc
#endif

/// A writable (overlay upper) directory turned into a store layer: written as an OCI layer tar
/// (`LayerTarWriter`: whiteouts become `.wh.` files, opaque directories `.wh..wh..opq`), then
/// unpacked back through `LayerExtractor` with every rule of an import, into a temporary
/// directory of `layers/` that `ImageStore.commit` or `placeLayer` renames into place. The one
/// path for `commit` and every `build` step that changes files.
struct CapturedLayer {
    /// The hex of the layer's DiffID.
    var diffID: String
    /// Bytes of file data.
    var size: UInt64
    /// The unpacked layer, still temporary: the caller places it or removes it (`discard`).
    var directory: String

    func discard() { if FileIO.exists(directory) { try? TreeRemover.remove(directory) } }
}

extension ImageStore {
    func captureLayer(upper: String, label: String) throws -> CapturedLayer {
        try FileIO.mkdirs(root + "/layers", mode: 0o700)
        try FileIO.mkdirs(root + "/tmp", mode: 0o700)
        let tar = temporaryPath(in: root + "/tmp") + ".tar"
        let layer = temporaryPath(in: root + "/layers")
        defer { unlink(tar) }
        let out = open(tar, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw BerthError.errno("create", tar) }
        defer { close(out) }
        do {
            _ = try LayerTarWriter(fd: out, path: tar).writeTree(upper)
            guard lseek(out, 0, SEEK_SET) == 0, mkdir(layer, 0o755) == 0 else { throw BerthError.errno("mkdir", layer) }
            let layerFD = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard layerFD >= 0 else { throw BerthError.errno("open", layer) }
            defer { close(layerFD) }
            let stream = try TarStream(path: tar, fd: out)
            let extractor = LayerExtractor(rootFD: layerFD, label: label)
            try extractor.extract(stream)
            let (diffID, _) = try stream.finish()
            return CapturedLayer(diffID: diffID.hex, size: extractor.fileBytes, directory: layer)
        } catch {
            if FileIO.exists(layer) { try? TreeRemover.remove(layer) }
            throw error
        }
    }

    /// Puts a captured layer in place with no image naming it yet (a build step's; the build
    /// cache remembers it, `image prune` removes it when no image took it). A layer the store
    /// has already wins and the capture is dropped.
    func placeLayer(_ layer: CapturedLayer) throws {
        try FileLock.with(lockPath) {
            if layerExists(layer.diffID) {
                layer.discard()
            } else {
                guard rename(layer.directory, layerPath(layer.diffID)) == 0 else { throw BerthError.errno("rename", layerPath(layer.diffID)) }
            }
        }
    }
}
