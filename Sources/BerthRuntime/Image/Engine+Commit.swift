import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    /// `berth commit`: a new image of the container's image with one more layer, its writable
    /// (upper) directory as an OCI layer (`LayerTarWriter`: overlay whiteouts become `.wh.` files,
    /// opaque directories `.wh..wh..opq`), unpacked back through `LayerExtractor` with every
    /// rule of an import, and put in place by `ImageStore.commit` (all or nothing). The config
    /// is the image's defaults with the new DiffID and a history step (`comment`: `-m`). A
    /// running container is paused while its layer is read, as docker does.
    @discardableResult
    public func commit(_ ref: String, as reference: ImageReference, comment: String = "", author: String = "") throws -> ImageRecord {
        let r = try resolve(ref)
        let base = try images.resolve(r.image)
        guard base.id == r.imageID else {
            throw BerthError.invalidState("the image \(r.image.quoted) of \(r.name) was replaced since the container was made; commit needs its layers")
        }
        let paths = store.paths(r.id)
        var paused = false
        if store.runningInit(r.id) != nil, !store.state(r.id).paused {
            try pause(r.id)
            paused = true
        }
        defer { if paused { try? unpause(r.id) } }

        try FileIO.mkdirs(root + "/layers", mode: 0o700)
        try FileIO.mkdirs(root + "/tmp", mode: 0o700)
        images.sweepTemporaries()
        let tar = images.temporaryPath(in: root + "/tmp") + ".tar"
        let layer = images.temporaryPath(in: root + "/layers")
        // The layer directory is renamed into place by the store's commit; whatever is left here
        // (a failure, or a layer the store already had) goes.
        defer { unlink(tar); if FileIO.exists(layer) { try? TreeRemover.remove(layer) } }
        let out = open(tar, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw BerthError.errno("create", tar) }
        defer { close(out) }
        _ = try LayerTarWriter(fd: out, path: tar).writeTree(paths.upper)
        guard lseek(out, 0, SEEK_SET) == 0, mkdir(layer, 0o755) == 0 else { throw BerthError.errno("mkdir", layer) }
        let layerFD = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard layerFD >= 0 else { throw BerthError.errno("open", layer) }
        defer { close(layerFD) }
        let stream = try TarStream(path: tar, fd: out)
        let extractor = LayerExtractor(rootFD: layerFD, label: "the writable layer of \(r.name)")
        try extractor.extract(stream)
        let (diffID, _) = try stream.finish()

        let stored = images.configBytes(base).flatMap { try? JSONDecoder().decode(OCIImageConfigFile.self, from: Data($0)) }
        let diffIDs = try (base.layers + [diffID.hex]).map { try Digest(hex: $0) }
        let now = Date()
        var config = OCIImageConfigFile(created: Timestamp(now).rfc3339, architecture: base.architecture ?? ImageImporter.hostArchitecture(),
                                        os: base.os ?? "linux", config: base.config, diffIDs: diffIDs)
        // One step per layer below the new one, so `history` puts each size on its own step.
        var steps = stored?.history ?? []
        if steps.filter({ $0.empty_layer != true }).count != base.layers.count {
            steps = base.layers.map { _ in OCIHistory(created: Timestamp(base.created).rfc3339, created_by: "", comment: nil, empty_layer: nil) }
        }
        config.history = steps + [OCIHistory(created: Timestamp(now).rfc3339, created_by: "berth commit \(r.name)",
                                                                comment: comment.isEmpty ? nil : comment, empty_layer: nil)]
        config.author = author.isEmpty ? nil : author
        let bytes = Array(try JSONEncoder.oci.encode(config))
        let record = ImageRecord(name: reference.name, tag: reference.tag, id: Digest.of(bytes).hex, layers: base.layers + [diffID.hex],
                                 config: base.config, created: now, size: base.size + extractor.fileBytes,
                                 layerSizes: (base.layerSizes ?? base.layers.map { _ in 0 }) + [extractor.fileBytes],
                                 format: "commit", manifestDigest: nil, architecture: base.architecture, os: base.os)
        try images.commit(record, newLayers: [(layer, diffID.hex)], layersInUse: store.layersInUse(), config: bytes)
        return record
    }
}
