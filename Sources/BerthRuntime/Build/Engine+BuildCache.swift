import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What builds keep between them, for `system df` and `builder prune`: the step cache
/// (`<root>/build-cache/*.json`, each naming the layers a step made, and those layers while no
/// image holds them) and the `RUN --mount=type=cache` directories (`<root>/build-mounts/`).
public struct BuildCacheUsage: Sendable {
    public struct Mount: Sendable {
        /// The directory's name: the digest of the mount's id.
        public var name: String
        public var size: UInt64
        /// A build holds it now (its lock is taken).
        public var inUse: Bool
    }
    /// Step records that can still hit.
    public var steps: Int
    /// Bytes of the layers only those records hold (no image, no container uses them).
    public var stepLayersSize: UInt64
    public var mounts: [Mount]

    public var size: UInt64 { mounts.reduce(stepLayersSize) { $0 + $1.size } }
    /// What `builder prune -a` gives back: all but the mounts a build holds.
    public var reclaimable: UInt64 { size - mounts.filter(\.inUse).reduce(0) { $0 + $1.size } }
}

/// What `builder prune` removed.
public struct BuildCachePruneResult: Sendable {
    public var steps: Int
    public var mounts: [String]
    public var layers: [String]
    public var reclaimed: UInt64
}

extension Engine {
    var buildMountsRoot: String { images.root + "/build-mounts" }

    public func buildCacheUsage() throws -> BuildCacheUsage {
        let cache = BuildCache(store: images)
        let held = try layersHeldOutsideTheCache()
        var steps = 0
        var cacheOnly: Set<String> = []
        for key in cache.keys() {
            guard let state = cache.lookup(key) else { continue }
            steps += 1
            cacheOnly.formUnion(state.layers.filter { !held.contains($0) })
        }
        let layerBytes = cacheOnly.reduce(UInt64(0)) { $0 + ImageImporter.diskUsage(images.layerPath($1)) }
        let mounts = cacheMountNames().map { name in
            BuildCacheUsage.Mount(name: name, size: ImageImporter.diskUsage(buildMountsRoot + "/" + name),
                                  inUse: withCacheMountLock(name) { _ in false } ?? true)
        }
        return BuildCacheUsage(steps: steps, stepLayersSize: layerBytes, mounts: mounts)
    }

    /// `builder prune`: every cache mount no build holds, the step records whose layers an image
    /// does not hold (with `all`, every record), then the layers nothing holds any more.
    public func pruneBuildCache(all: Bool) throws -> BuildCachePruneResult {
        let cache = BuildCache(store: images)
        let held = try layersHeldOutsideTheCache()
        var steps = 0
        for key in cache.keys() {
            let state = cache.lookup(key)
            guard all || state == nil || !state!.layers.allSatisfy(held.contains) else { continue }
            if cache.remove(key) { steps += 1 }
        }
        var mounts: [String] = []
        var reclaimed: UInt64 = 0
        for name in cacheMountNames() {
            let removed: UInt64? = withCacheMountLock(name) { lockPath in
                let size = ImageImporter.diskUsage(buildMountsRoot + "/" + name)
                guard (try? TreeRemover.remove(buildMountsRoot + "/" + name)) != nil else { return nil }
                unlink(lockPath)
                return size
            } ?? nil
            if let removed { mounts.append(name); reclaimed += removed }
        }
        let layers = try images.prune(layersInUse: store.layersInUse())
        reclaimed += layers.reduce(0) { $0 + $1.size }
        return BuildCachePruneResult(steps: steps, mounts: mounts, layers: layers.map(\.id), reclaimed: reclaimed)
    }

    /// Layers an image or a container holds: what the build cache does not own.
    private func layersHeldOutsideTheCache() throws -> Set<String> {
        let inUse = store.layersInUse()
        var held = Set(try images.list().flatMap(\.layers))
        for id in FileIO.entryNames(images.root + "/layers") where inUse.contains(images.layerPath(id)) { held.insert(id) }
        return held
    }

    /// The cache-mount directories (`RunMounts.addCache` names them by a digest; their locks
    /// and a build's temporaries are not mounts).
    private func cacheMountNames() -> [String] {
        FileIO.entryNames(buildMountsRoot).filter { !$0.hasPrefix(".") && !$0.hasSuffix(".lock") }.sorted()
    }

    /// Runs `body` holding the mount's lock exclusively, as `locked` builds take it; nil when a
    /// build holds it (shared or exclusive) now.
    private func withCacheMountLock<T>(_ name: String, _ body: (String) -> T) -> T? {
        let lockPath = buildMountsRoot + "/" + name + ".lock"
        // Not created here: no lock file means no build has the mount (`system df` writes nothing).
        let fd = open(lockPath, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return errno == ENOENT ? body(lockPath) : nil }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return nil }
        return body(lockPath)
    }
}
