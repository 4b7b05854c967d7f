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
    /// running container is paused while its layer is read, as docker does. `changes`: docker's
    /// `--change` instructions (`CMD …`, `ENV k=v`, …), applied by the builder's own rules.
    @discardableResult
    public func commit(_ ref: String, as reference: ImageReference, comment: String = "", author: String = "",
                       changes: [String] = []) throws -> ImageRecord {
        let instructions = try ImageConfigChange.parseCommitChanges(changes)
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

        images.sweepTemporaries()
        let layer = try images.captureLayer(upper: paths.upper, label: "the writable layer of \(r.name)")
        // Renamed into place by the store's commit; left here (a failure, or a layer the store already had), it goes.
        defer { layer.discard() }
        let stored = images.configBytes(base).flatMap { try? JSONDecoder().decode(OCIImageConfigFile.self, from: Data($0)) }
        var imageConfig = base.config
        for ins in instructions {
            try ImageConfigChange.apply(ins, to: &imageConfig, lexer: ShellLexer(variables: BuildVariables.environment(imageConfig.env)))
        }
        let diffIDs = try (base.layers + [layer.diffID]).map { try Digest(hex: $0) }
        let now = Date()
        var config = OCIImageConfigFile(created: Timestamp(now).rfc3339, architecture: base.architecture ?? ImageImporter.hostArchitecture(),
                                        os: base.os ?? "linux", config: imageConfig, diffIDs: diffIDs)
        // One step per layer below the new one, so `history` puts each size on its own step.
        var steps = stored?.history ?? []
        if steps.filter({ $0.empty_layer != true }).count != base.layers.count {
            steps = base.layers.map { _ in OCIHistory(created: Timestamp(base.created).rfc3339, created_by: "", comment: nil, empty_layer: nil) }
        }
        config.history = steps + [OCIHistory(created: Timestamp(now).rfc3339, created_by: "berth commit \(r.name)",
                                                                comment: comment.isEmpty ? nil : comment, empty_layer: nil)]
        config.author = author.isEmpty ? nil : author
        let bytes = Array(try JSONEncoder.oci.encode(config))
        let record = ImageRecord(name: reference.name, tag: reference.tag, id: Digest.of(bytes).hex, layers: base.layers + [layer.diffID],
                                 config: imageConfig, created: now, size: base.size + layer.size,
                                 layerSizes: (base.layerSizes ?? base.layers.map { _ in 0 }) + [layer.size],
                                 format: "commit", manifestDigest: nil, architecture: base.architecture, os: base.os)
        try images.commit(record, newLayers: [(layer.directory, layer.diffID)], layersInUse: store.layersInUse(), config: bytes)
        return record
    }
}
