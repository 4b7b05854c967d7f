import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `volume inspect` shows of a volume.
public struct VolumeInfo: Codable, Sendable, Equatable {
    public var name: String
    public var created: Date
    public var labels: [String: String]
    /// Made for one container (`-v /path`, an image's `Volumes`): removed with it by `--rm` and `rm -v`.
    public var anonymous: Bool
    /// The host directory holding the data (`VOLUME/_data`).
    public var mountpoint: String

    public init(name: String, created: Date, labels: [String: String], anonymous: Bool, mountpoint: String) {
        self.name = name; self.created = created; self.labels = labels; self.anonymous = anonymous
        self.mountpoint = mountpoint
    }
}

/// The root's volumes: `volumes/NAME/volume.json` and the data in `volumes/NAME/_data`. Names are
/// checked by `ResourceName` before they become paths. Every change happens under the root's
/// global lock (as container creation and removal do), so what a dead process left is known to be
/// dead: a volume is built in `volumes/.creating-NAME` and published by one rename, removed by a
/// rename to `.removing-NAME` first, and seeded into `NAME/_data.seed` that replaces the empty
/// `_data` by one rename; `sweep` finishes or removes every such leftover.
struct VolumeStore: Sendable {
    let root: String
    var directory: String { root + "/volumes" }

    static let creatingPrefix = ".creating-"
    static let removingPrefix = ".removing-"
    static let seedName = "_data.seed"

    func path(_ name: String) -> String { directory + "/" + name }
    func dataPath(_ name: String) -> String { path(name) + "/_data" }

    /// Whether a dead process may have left something for `sweep` (cheap: one directory read).
    func hasLeftovers() -> Bool {
        FileIO.entryNames(directory).contains { $0.hasPrefix(".") || FileIO.exists(path($0) + "/" + Self.seedName) }
    }

    /// Under the global lock: removes half-made volumes, half-removed ones and unfinished seeds.
    func sweep() {
        for e in FileIO.entryNames(directory) {
            if e.hasPrefix(Self.creatingPrefix) || e.hasPrefix(Self.removingPrefix) {
                try? FileIO.removeTree(directory + "/" + e)
            } else if FileIO.exists(path(e) + "/" + Self.seedName) {
                try? FileIO.removeTree(path(e) + "/" + Self.seedName)
            }
        }
    }

    func info(_ name: String) -> VolumeInfo? {
        guard ResourceName.isValid(name), let bytes = FileIO.read(path(name) + "/volume.json", followLink: false),
              var v = try? JSONDecoder.berth.decode(VolumeInfo.self, from: Data(bytes)) else { return nil }
        v.mountpoint = dataPath(name)
        return v
    }

    func list() -> [VolumeInfo] {
        FileIO.entryNames(directory).filter { !$0.hasPrefix(".") }.compactMap(info).sorted { $0.name < $1.name }
    }

    /// Creates the volume unless it exists; returns it and whether it was made now. Under the global lock.
    func create(_ name: String, labels: [String: String] = [:], anonymous: Bool = false) throws -> (VolumeInfo, made: Bool) {
        try ResourceName.validate(name, kind: .volume, minimumLength: 2)
        if let existing = info(name) { return (existing, false) }
        if FileIO.exists(path(name)) { throw BerthError.corruptState("volume \(name.quoted) has no readable volume.json") }
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw BerthError.errno("mkdir", directory) }
        let staging = directory + "/" + Self.creatingPrefix + name
        try? FileIO.removeTree(staging)
        let v = VolumeInfo(name: name, created: Date(), labels: labels, anonymous: anonymous, mountpoint: dataPath(name))
        do {
            guard mkdir(staging, 0o700) == 0 else { throw BerthError.errno("mkdir", staging) }
            // docker's volume directories: root-owned 0755 until seeding gives them the image's owner and mode.
            guard mkdir(staging + "/_data", 0o755) == 0 else { throw BerthError.errno("mkdir", staging + "/_data") }
            try FileIO.writeAtomically(staging + "/volume.json", bytes: Array(try JSONEncoder.berth.encode(v)))
            CrashPoint.reach("volume-create-staged")
            guard rename(staging, path(name)) == 0 else { throw BerthError.errno("rename", staging) }
        } catch {
            try? FileIO.removeTree(staging)
            throw error
        }
        return (v, true)
    }

    /// Seeds an empty volume from the image's layers at `target` (docker's copy on first use).
    func seedIfEmpty(_ name: String, layers: [String], target: String) throws {
        let data = dataPath(name)
        guard FileIO.entryNames(data).isEmpty else { return }
        let seed = path(name) + "/" + Self.seedName
        try? FileIO.removeTree(seed)
        guard mkdir(seed, 0o755) == 0 else { throw BerthError.errno("mkdir", seed) }
        do {
            guard try VolumeSeed.copy(layers: layers, path: target, into: seed) else {
                try FileIO.removeTree(seed)
                return
            }
            CrashPoint.reach("volume-seed-copied")
            // One rename replaces the empty directory: a crash leaves either no seed or all of it.
            guard rename(seed, data) == 0 else { throw BerthError.errno("rename", seed) }
        } catch {
            try? FileIO.removeTree(seed)
            throw error
        }
    }

    /// Removes the volume: renamed out of the way first, so a crash leaves no half-removed volume by its name.
    func remove(_ name: String) throws {
        let gone = directory + "/" + Self.removingPrefix + name
        try? FileIO.removeTree(gone)
        guard rename(path(name), gone) == 0 else { throw BerthError.errno("rename", path(name)) }
        try FileIO.removeTree(gone)
    }
}
