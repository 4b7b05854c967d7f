import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Images and their read-only layers under `<root>/images.json` and `<root>/layers/<id>/`.
/// A layer is written into a temporary directory and renamed into place, so an interrupted
/// import never leaves a half layer visible.
public struct ImageStore: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    var indexPath: String { root + "/images.json" }
    var lockPath: String { root + "/images.lock" }
    public func layerPath(_ id: String) -> String { root + "/layers/" + id }

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
        if ref.count >= 4, byID.count == 1 { return byID[0] }
        throw BerthError.noSuchImage(ref)
    }

    /// Imports a root filesystem directory as a one-layer image. `config` gives the defaults.
    @discardableResult
    /// `layersInUse`: layer directories containers still run on; a re-imported tag keeps those.
    public func importDirectory(_ path: String, as reference: ImageReference, config: ImageConfig = ImageConfig(),
                                layersInUse: Set<String> = []) throws -> ImageRecord {
        var st = stat()
        guard stat(path, &st) == 0 else { throw BerthError.errno("import", path) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw BerthError.invalidArgument("\(path) is not a directory (archives arrive with the image formats work)")
        }
        try FileIO.mkdirs(root + "/layers")
        let layerID = RandomID.hex(32)
        let tmp = root + "/layers/.tmp-" + layerID
        var copier = TreeCopier()
        do {
            try copier.copy(from: path, to: tmp)
            guard rename(tmp, layerPath(layerID)) == 0 else { throw BerthError.errno("rename", layerPath(layerID)) }
        } catch {
            try? FileIO.removeTree(tmp)
            throw error
        }
        let record = ImageRecord(name: reference.name, tag: reference.tag, id: RandomID.hex(32), layers: [layerID],
                                 config: config, created: Date(), size: copier.bytesCopied)
        do {
            try FileLock.with(lockPath) {
                var images = try list()
                var orphaned: [String] = []
                if let old = images.firstIndex(where: { $0.name == reference.name && $0.tag == reference.tag }) {
                    orphaned = images[old].layers
                    images.remove(at: old)
                }
                images.append(record)
                try save(images)
                // A re-import replaces the tag; the old layers go unless another image shares them.
                let used = Set(images.flatMap(\.layers))
                for layer in orphaned where !used.contains(layer) && !layersInUse.contains(layerPath(layer)) {
                    try? FileIO.removeTree(layerPath(layer))
                }
            }
        } catch {
            try? FileIO.removeTree(layerPath(layerID))
            throw error
        }
        return record
    }

    /// Removes an image; `inUse` names the containers using it (the caller knows them).
    public func remove(_ ref: String, inUse: [String]) throws -> ImageRecord {
        try FileLock.with(lockPath) {
            let image = try resolve(ref)
            if !inUse.isEmpty {
                throw BerthError.imageInUse("image \(image.reference) is used by container(s) \(inUse.joined(separator: ", ")); remove them first")
            }
            var images = try list()
            images.removeAll { $0.id == image.id }
            try save(images)
            let used = Set(images.flatMap(\.layers))
            for layer in image.layers where !used.contains(layer) { try FileIO.removeTree(layerPath(layer)) }
            return image
        }
    }

    private func save(_ images: [ImageRecord]) throws {
        let data = try JSONEncoder.berth.encode(images)
        try FileIO.writeAtomically(indexPath, bytes: Array(data))
    }
}

enum RandomID {
    /// `bytes` random bytes as lowercase hex, from the kernel's CSPRNG.
    static func hex(_ bytes: Int) -> String {
        var buf = [UInt8](repeating: 0, count: bytes)
        _ = buf.withUnsafeMutableBytes { berth_getrandom($0.baseAddress, $0.count) }
        return buf.map { String(format: "%02x", $0) }.joined()
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
            try c.encode(BerthTime.rfc3339(date))
        }
    }
}

extension JSONDecoder.DateDecodingStrategy {
    static var iso8601WithFractions: JSONDecoder.DateDecodingStrategy {
        .custom { decoder in
            let c = try decoder.singleValueContainer()
            let s = try c.decode(String.self)
            guard let d = BerthTime.parseRFC3339(s) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "bad date \(s)")
            }
            return d
        }
    }
}

/// RFC 3339 timestamps with fractional seconds, UTC.
public enum BerthTime {
    public static func rfc3339(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        var secs = time_t(t.rounded(.down))
        let nanos = Int(((t - Double(secs)) * 1e9).rounded())
        var tm = tm()
        gmtime_r(&secs, &tm)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                      tm.tm_hour, tm.tm_min, tm.tm_sec, min(nanos, 999_999_999))
    }

    public static func parseRFC3339(_ s: String) -> Date? {
        // yyyy-mm-ddThh:mm:ss[.frac](Z|±hh:mm)
        let u = Array(s.utf8)
        guard u.count >= 20 else { return nil }
        func num(_ a: Int, _ b: Int) -> Int? {
            var v = 0
            for i in a..<b { guard u[i] >= 48 && u[i] <= 57 else { return nil }; v = v * 10 + Int(u[i] - 48) }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 7), let d = num(8, 10), let h = num(11, 13), let mi = num(14, 16),
              let se = num(17, 19) else { return nil }
        var i = 19
        var frac = 0.0
        if i < u.count && u[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < u.count, u[i] >= 48, u[i] <= 57 { frac += Double(u[i] - 48) * scale; scale /= 10; i += 1 }
        }
        var offset = 0
        if i < u.count && (u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-")) {
            guard i + 6 <= u.count, let oh = num(i + 1, i + 3), let om = num(i + 4, i + 6) else { return nil }
            offset = (oh * 3600 + om * 60) * (u[i] == UInt8(ascii: "-") ? -1 : 1)
        } else if i >= u.count || (u[i] != UInt8(ascii: "Z") && u[i] != UInt8(ascii: "z")) {
            return nil
        }
        var t = tm()
        t.tm_year = Int32(y - 1900); t.tm_mon = Int32(mo - 1); t.tm_mday = Int32(d)
        t.tm_hour = Int32(h); t.tm_min = Int32(mi); t.tm_sec = Int32(se)
        let secs = timegm(&t)
        return Date(timeIntervalSince1970: Double(secs - offset) + frac)
    }
}
