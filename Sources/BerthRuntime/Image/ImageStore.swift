import BerthOS
import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Images and their read-only layers under `<root>/images.json` and `<root>/layers/<id>/`, where
/// `<id>` is the hex of the layer's DiffID: a layer is stored once, whichever images share it.
/// A layer is unpacked into a temporary directory and renamed into place, so an interrupted
/// import never leaves a half layer visible (docs/images.md).
public struct ImageStore: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    var indexPath: String { root + "/images.json" }
    var lockPath: String { root + "/images.lock" }
    public func layerPath(_ id: String) -> String { root + "/layers/" + id }
    /// The image's config blob (`configs/<id>`), its digest being the image id: kept so `history`
    /// reads the image's own history and `save` writes the same config back (the same id).
    func configPath(_ id: String) -> String { root + "/configs/" + id }

    /// The image's config as stored at import (nil for images imported before configs were kept).
    func configBytes(_ image: ImageRecord) -> [UInt8]? {
        guard (try? Digest(hex: image.id)) != nil, let bytes = FileIO.read(configPath(image.id), followLink: false),
              Digest.of(bytes).hex == image.id else { return nil }
        return bytes
    }

    public func list() throws -> [ImageRecord] {
        guard let data = FileIO.read(indexPath), !data.isEmpty else { return [] }
        do {
            return try JSONDecoder.berth.decode([ImageRecord].self, from: Data(data))
        } catch {
            throw BerthError.corruptState("\(indexPath): \(error)")
        }
    }

    /// Finds an image by `name[:tag]`, full id or unique id prefix.
    public func resolve(_ ref: String) throws -> ImageRecord {
        let images = try list()
        if let parsed = try? ImageReference(parsing: ref),
           let hit = images.first(where: { $0.name == parsed.name && $0.tag == parsed.tag }) {
            return hit
        }
        let byID = images.filter { $0.id.hasPrefix(ref.replacingOccurrences(of: "sha256:", with: "")) }
        // Several names of one image share its id: the id still names one image.
        if ref.count >= 4, !byID.isEmpty, Set(byID.map(\.id)).count == 1 { return byID[0] }
        throw BerthError.noSuchImage(ref)
    }

    /// Imports a root filesystem directory as a one-layer image. `config` gives the defaults.
    /// `layersInUse`: layer directories containers still run on; a re-imported tag keeps those.
    @discardableResult
    public func importDirectory(_ path: String, as reference: ImageReference, config: ImageConfig = ImageConfig(),
                                layersInUse: Set<String> = []) throws -> ImageRecord {
        var st = stat()
        guard stat(path, &st) == 0 else { throw BerthError.errno("import", path) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw BerthError.invalidArgument("\(path) is not a directory") }
        var options = ImportOptions(name: reference, layersInUse: layersInUse)
        options.defaults = config
        return try ImageImporter(store: self, options: options).run(path).image
    }

    public func layerExists(_ id: String) -> Bool { FileIO.exists(layerPath(id)) }

    /// Puts an import in place under the store's lock: renames its new layers into `layers/`
    /// (a layer another import placed meanwhile wins, ours is dropped), checks every layer the
    /// image needs is there, replaces the tag, and removes the replaced image's layers that
    /// nothing else uses. Either all of it happens or the index is unchanged.
    func commit(_ record: ImageRecord, newLayers: [(temporary: String, id: String)], layersInUse: Set<String>,
                config: [UInt8]? = nil) throws {
        try FileLock.with(lockPath) {
            var placed: [String] = []
            do {
                for layer in newLayers {
                    if layerExists(layer.id) {
                        try? TreeRemover.remove(layer.temporary)
                    } else {
                        guard rename(layer.temporary, layerPath(layer.id)) == 0 else { throw BerthError.errno("rename", layerPath(layer.id)) }
                        placed.append(layer.id)
                    }
                }
                for id in record.layers where !layerExists(id) {
                    throw BerthError.invalidArgument("layer sha256:\(id) was removed while importing (a concurrent prune?); import again")
                }
                if let config, !FileIO.exists(configPath(record.id)) {
                    try FileIO.mkdirs(root + "/configs", mode: 0o700)
                    try FileIO.writeAtomically(configPath(record.id), bytes: config, mode: 0o600)
                }
                var images = try list()
                var orphaned: [String] = []
                var replacedID: String?
                if let old = images.firstIndex(where: { $0.name == record.name && $0.tag == record.tag }) {
                    orphaned = images[old].layers
                    replacedID = images[old].id
                    images.remove(at: old)
                }
                images.append(record)
                try save(images)
                if let replacedID { dropConfigIfUnused(replacedID, images) }
                // A re-import replaces the tag; the old layers go unless an image or a container uses them.
                let used = Set(images.flatMap(\.layers))
                for layer in orphaned where !used.contains(layer) && !layersInUse.contains(layerPath(layer)) {
                    try? TreeRemover.remove(layerPath(layer))
                }
            } catch {
                for id in placed { try? TreeRemover.remove(layerPath(id)) }
                throw error
            }
        }
    }

    /// Removes an image. `users`: the containers made from it. Refused while any container uses
    /// it; with `force`, refused only while one runs (the stopped ones keep their layers until
    /// they are removed and the layers pruned).
    public func remove(_ ref: String, users: [ImageUser], force: Bool, layersInUse: Set<String>) throws -> ImageRecord {
        try FileLock.with(lockPath) {
            let image = try resolve(ref)
            let running = users.filter(\.running).map(\.name)
            if !running.isEmpty {
                throw BerthError.imageInUse("image \(image.reference) is used by running container(s) \(running.joined(separator: ", ")); stop and remove them first")
            }
            if !users.isEmpty && !force {
                throw BerthError.imageInUse("image \(image.reference) is used by container(s) \(users.map(\.name).joined(separator: ", ")); remove them first or use -f")
            }
            var images = try list()
            images.removeAll { $0.id == image.id && $0.name == image.name && $0.tag == image.tag }
            try save(images)
            dropConfigIfUnused(image.id, images)
            let used = Set(images.flatMap(\.layers))
            for layer in image.layers where !used.contains(layer) && !layersInUse.contains(layerPath(layer)) {
                try TreeRemover.remove(layerPath(layer))
            }
            return image
        }
    }

    /// Removes layers no image references and no container runs on, and leftovers of
    /// interrupted imports. Returns the removed layers: id and bytes of file data.
    public func prune(layersInUse: Set<String>) throws -> [(id: String, size: UInt64)] {
        try FileLock.with(lockPath) {
            sweepTemporaries()
            sweepPartialBlobs()
            let images = try list()
            for id in FileIO.entryNames(root + "/configs") { dropConfigIfUnused(id, images) }
            let used = Set(images.flatMap(\.layers))
            var removed: [(id: String, size: UInt64)] = []
            for id in FileIO.entryNames(root + "/layers") where !id.hasPrefix(".") {
                if used.contains(id) || layersInUse.contains(layerPath(id)) { continue }
                let size = ImageImporter.diskUsage(layerPath(id))
                try TreeRemover.remove(layerPath(id))
                removed.append((id, size))
            }
            return removed.sorted { $0.id < $1.id }
        }
    }

    /// Gives `source`'s image a second name (`tag`): a record sharing its id and layers. A tag
    /// that named another image moves, as in docker (the other image's layers go unless used).
    public func tag(_ source: ImageRecord, as target: ImageReference, layersInUse: Set<String>) throws {
        var record = source
        record.name = target.name
        record.tag = target.tag
        try commit(record, newLayers: [], layersInUse: layersInUse)
    }

    private func dropConfigIfUnused(_ id: String, _ images: [ImageRecord]) {
        guard !images.contains(where: { $0.id == id }), (try? Digest(hex: id)) != nil else { return }
        unlink(configPath(id))
    }

    /// Where a pull keeps a layer it is downloading, keyed by digest, so a pull killed mid-layer
    /// leaves it for the next pull to resume with an HTTP Range request (docs/registries.md). Not a
    /// `.tmp-` name: the sweeps at every pull and import keep it; `image prune` removes it.
    public func partialBlobPath(_ hex: String) -> String { root + "/tmp/.partial-" + hex }

    /// Removes kept partial downloads no pull holds (each is flocked while a pull writes it).
    func sweepPartialBlobs() {
        for name in FileIO.entryNames(root + "/tmp") where name.hasPrefix(".partial-") {
            let path = root + "/tmp/" + name
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { unlink(path) }
            close(fd)
        }
    }

    /// A fresh name for a temporary directory under `dir`: `.tmp-<pid>-<random>`, so a sweep can
    /// tell an interrupted import's leftovers (its process is gone) from a running one's.
    func temporaryPath(in dir: String) -> String {
        dir + "/.tmp-\(getpid())-" + RandomID.hex(8)
    }

    /// Removes temporaries whose import process no longer exists (killed, or the machine restarted).
    func sweepTemporaries() {
        for dir in [root + "/layers", root + "/tmp"] {
            for name in FileIO.entryNames(dir) where name.hasPrefix(".tmp-") {
                let parts = name.split(separator: "-")
                guard parts.count >= 3, let pid = Int32(parts[1]) else { continue }
                if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH { try? TreeRemover.remove(dir + "/" + name) }
            }
        }
    }

    private func save(_ images: [ImageRecord]) throws {
        let data = try JSONEncoder.berth.encode(images)
        try FileIO.writeAtomically(indexPath, bytes: Array(data))
    }
}

/// A container made from an image, as `image rm` needs to know it.
public struct ImageUser: Sendable {
    public var name: String
    public var running: Bool
    public init(name: String, running: Bool) { self.name = name; self.running = running }
}

enum RandomID {
    /// `bytes` random bytes as lowercase hex, from the kernel's CSPRNG.
    static func hex(_ bytes: Int) -> String {
        var buf = [UInt8](repeating: 0, count: bytes)
        _ = buf.withUnsafeMutableBytes { berth_getrandom($0.baseAddress, $0.count) }
        return Hex.lowercase(buf)
    }
}

extension JSONEncoder {
    static var berth: JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601WithFractions
        e.outputFormatting = [.sortedKeys]
        return e
    }
}

extension JSONDecoder {
    static var berth: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601WithFractions
        return d
    }
}

extension JSONEncoder.DateEncodingStrategy {
    /// RFC 3339 with nanosecond-ish precision, as docker prints times.
    static var iso8601WithFractions: JSONEncoder.DateEncodingStrategy {
        .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(Timestamp(date).rfc3339)
        }
    }
}

extension JSONDecoder.DateDecodingStrategy {
    static var iso8601WithFractions: JSONDecoder.DateDecodingStrategy {
        .custom { decoder in
            let c = try decoder.singleValueContainer()
            let s = try c.decode(String.self)
            guard let d = Timestamp(rfc3339: s)?.date else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "bad date \(s)")
            }
            return d
        }
    }
}
