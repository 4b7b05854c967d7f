import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the registry client (`berth-registry`, docs/registries.md) needs from the image store: a
/// private staging directory to download into, the import of what it downloaded, and an image's
/// blobs to upload. The client never writes the store itself.
extension Engine {
    /// A new directory under the store's `tmp/` for one pull or push, named so that the next
    /// import or pull removes it if this process is killed (`ImageStore.sweepTemporaries`).
    public func registryStaging() throws -> String {
        try FileIO.mkdirs(images.root + "/tmp", mode: 0o700)
        images.sweepTemporaries()
        let dir = images.temporaryPath(in: images.root + "/tmp")
        guard mkdir(dir, 0o700) == 0 else { throw BerthError.errno("mkdir", dir) }
        return dir
    }

    /// Imports an OCI layout a pull wrote, as `reference`: layer blobs the store has (by DiffID)
    /// may be absent from it, since the pull did not fetch them. Every blob present is checked again.
    public func importPulledLayout(_ dir: String, as reference: ImageReference) throws -> ImportResult {
        var options = ImportOptions(name: reference)
        options.storedLayersMayBeAbsent = true
        return try importImage(path: dir, options: options)
    }

    /// The directory of the running executable, where `berth-shim` and `berth-registry` are.
    public static var binaryDirectory: String { executableDirectory() }

    /// The manifest, config and layer files of `ref` for a push, written into `staging`.
    public func pushableImage(_ ref: String, staging: String) throws -> (ImageRecord, PushableImage) {
        let image = try images.resolve(ref)
        return (image, try ImageExporter(store: images).pushable(image, staging: staging))
    }

    /// The compressed blob a push made earlier of the layer whose DiffID is `diffID`, if any (the
    /// registry may hold it: asked before compressing again).
    public func rememberedLayer(_ diffID: Digest, _ compression: LayerCompression) -> LayerBlob? {
        CompressedLayerIndex(storeRoot: images.root).lookup(diffID, compression)
    }

    /// Compresses the uncompressed layer tar `file` (DiffID `diffID`) into `staging` and remembers
    /// the result; returns the blob and its file (the caller removes it once uploaded).
    public func compressLayer(_ diffID: Digest, file: String, _ compression: LayerCompression, staging: String) throws -> (LayerBlob, String) {
        let out = staging + "/\(compression.rawValue)-\(diffID.hex)"
        unlink(out)
        let blob: LayerBlob
        do { blob = try LayerCompressor(compression: compression).compress(file, to: out) } catch { unlink(out); throw error }
        try CompressedLayerIndex(storeRoot: images.root).remember(diffID, compression, as: blob)
        return (blob, out)
    }
}
