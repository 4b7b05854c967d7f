import BerthOS
import Foundation

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

    /// Removes an image; see `ImageStore.remove` for when it is refused.
    @discardableResult
    public func removeImage(_ ref: String, force: Bool = false) throws -> ImageRecord {
        let image = try images.resolve(ref)
        return try images.remove(image.reference, users: imageUsers(image), force: force, layersInUse: store.layersInUse())
    }

    /// Removes layers no image and no container uses; returns their ids.
    @discardableResult
    public func pruneImages() throws -> [String] {
        try images.prune(layersInUse: store.layersInUse())
    }

    /// Writes `ref` as an OCI archive (`skopeo … oci-archive:FILE`).
    @discardableResult
    public func exportImage(_ ref: String, to file: String) throws -> ExportResult {
        try ImageExporter(store: images).export(try images.resolve(ref), to: file)
    }
}
