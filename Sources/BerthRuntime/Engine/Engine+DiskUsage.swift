import BerthOS
import Foundation

/// `berth system df`: what images, containers, volumes and the build cache take on disk, and
/// what a prune would give back, in docker's four rows.
public struct DiskUsage: Sendable {
    public struct Image: Sendable {
        public var record: ImageRecord
        /// Bytes of the layers no other image has.
        public var uniqueSize: UInt64
        /// Containers made from it.
        public var containers: Int
    }
    public struct Container: Sendable {
        public var info: ContainerInfo
        /// Bytes of file data in its writable layer.
        public var size: UInt64
    }
    public struct Volume: Sendable {
        public var info: VolumeInfo
        public var size: UInt64
        /// Containers that mount it.
        public var links: Int
    }
    public var images: [Image]
    public var containers: [Container]
    public var volumes: [Volume]
    public var buildCache: BuildCacheUsage

    /// Bytes of all layers, each counted once.
    public var imagesSize: UInt64
    /// Bytes of the layers no container uses.
    public var imagesReclaimable: UInt64
}

extension Engine {
    public func diskUsage() throws -> DiskUsage {
        let records = try images.list()
        let containers = try list(all: true)
        let inUse = store.layersInUse()
        var layerSize: [String: UInt64] = [:]
        var holders: [String: Set<String>] = [:]
        for r in records {
            for (i, layer) in r.layers.enumerated() {
                layerSize[layer] = r.layerSizes?[i] ?? layerSize[layer] ?? ImageImporter.diskUsage(images.layerPath(layer))
                holders[layer, default: []].insert(r.id)
            }
        }
        let used = containersByImage()
        var imageRows: [DiskUsage.Image] = []
        for r in records {
            let unique = r.layers.filter { holders[$0]?.count == 1 }.reduce(UInt64(0)) { $0 + (layerSize[$1] ?? 0) }
            imageRows.append(.init(record: r, uniqueSize: unique, containers: used[r.id] ?? 0))
        }
        let reclaimable = layerSize.filter { !inUse.contains(images.layerPath($0.key)) }.values.reduce(0, +)
        let containerRows = containers.map { c in
            DiskUsage.Container(info: c, size: ImageImporter.diskUsage(store.paths(c.id).upper))
        }
        let users = volumeUsers()
        let volumeRows = volumes().map { v in
            DiskUsage.Volume(info: v, size: ImageImporter.diskUsage(v.mountpoint), links: users[v.name]?.count ?? 0)
        }
        return DiskUsage(images: imageRows, containers: containerRows, volumes: volumeRows, buildCache: try buildCacheUsage(),
                         imagesSize: layerSize.values.reduce(0, +), imagesReclaimable: reclaimable)
    }

    /// What `system prune` removed.
    public struct SystemPruneResult: Sendable {
        public var containers: [String]
        public var images: ImagePruneResult
        public var volumes: [String]
        public var buildCache: BuildCachePruneResult
    }

    /// `berth system prune`: stopped containers, then images (with `allImages`, every image no
    /// container uses; Berth has no dangling images) and unused layers, then with `volumes` the
    /// anonymous volumes no container uses, then the unused build cache (`pruneBuildCache`, every
    /// step record with `allImages`, as docker's `-a`). Networks: Berth's one bridge is never pruned.
    public func systemPrune(allImages: Bool, volumes: Bool) throws -> SystemPruneResult {
        let containers = try pruneContainers(try PruneFilter([]))
        let pruned = try pruneImages(all: allImages)
        let removedVolumes = volumes ? try pruneVolumes(all: false) : []
        let cache = try pruneBuildCache(all: allImages)
        return SystemPruneResult(containers: containers, images: pruned, volumes: removedVolumes, buildCache: cache)
    }
}
