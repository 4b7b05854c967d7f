import BerthOS
import Foundation

/// What a layer became when `push` compressed it: uncompressed digest (DiffID) and compression →
/// the compressed blob's digest and size, one small JSON file each under the store's
/// `compressed/` (`gzip-<hex>`), written atomically. A second push of the layer (to any
/// repository) asks the registry for the remembered blob before compressing anything.
///
/// The compressed file itself is not kept (it would double the store). When a registry lacks the
/// blob, the layer is compressed again; the output is deterministic (`LayerCompressor`), and if a
/// new zlib or zstd made it differ, `remember` replaces the entry with what was actually pushed.
struct CompressedLayerIndex {
    let root: String

    init(storeRoot: String) { root = storeRoot + "/compressed" }

    private func path(_ diffID: Digest, _ compression: LayerCompression) -> String {
        // Both parts are validated values (a parsed digest's hex, an enum's name): no path from outside.
        root + "/\(compression.rawValue)-\(diffID.hex)"
    }

    func lookup(_ diffID: Digest, _ compression: LayerCompression) -> LayerBlob? {
        guard let bytes = FileIO.read(path(diffID, compression)) else { return nil }
        // A damaged entry is as good as none: the layer is compressed again and the entry rewritten.
        return try? JSONDecoder().decode(LayerBlob.self, from: Data(bytes))
    }

    func remember(_ diffID: Digest, _ compression: LayerCompression, as blob: LayerBlob) throws {
        try FileIO.mkdirs(root, mode: 0o700)
        try FileIO.writeAtomically(path(diffID, compression), bytes: Array(try JSONEncoder().encode(blob)), mode: 0o600)
    }
}
