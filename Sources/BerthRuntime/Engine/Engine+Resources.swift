import BerthOS
import Foundation

/// The kinds of resource besides containers that a front end lists and removes (the dashboard's
/// images, volumes and networks views).
public enum ResourceKind: String, CaseIterable, Sendable {
    case image, volume, network
}

/// One image as the dashboard's images view lists it: what `berth images` prints, with its layer
/// count and how many containers (any state) were made from it.
public struct ImageSummary: Sendable, Equatable {
    public var reference: String
    public var id: String
    public var size: UInt64
    public var layers: Int
    public var created: Date
    public var usedBy: Int

    public init(reference: String, id: String, size: UInt64, layers: Int, created: Date, usedBy: Int) {
        self.reference = reference; self.id = id; self.size = size; self.layers = layers; self.created = created; self.usedBy = usedBy
    }
}

/// One volume as the volumes view lists it. No size: that is a walk of the whole volume
/// (`system df` pays it once; a view refreshed every few seconds must not).
public struct VolumeSummary: Sendable, Equatable {
    public var name: String
    public var driver: String
    public var anonymous: Bool
    public var created: Date
    /// Names of the containers that mount it.
    public var usedBy: [String]

    public init(name: String, driver: String = "local", anonymous: Bool, created: Date, usedBy: [String]) {
        self.name = name; self.driver = driver; self.anonymous = anonymous; self.created = created; self.usedBy = usedBy
    }
}

/// One network as the networks view lists it.
public struct NetworkSummary: Sendable, Equatable {
    public var name: String
    public var subnet: String
    public var gateway: String
    public var isInternal: Bool
    /// Names of the containers on it (any state).
    public var members: [String]

    public init(name: String, subnet: String, gateway: String, isInternal: Bool, members: [String]) {
        self.name = name; self.subnet = subnet; self.gateway = gateway; self.isInternal = isInternal; self.members = members
    }
}

extension ImageRecord {
    /// The order `berth images` and the images view list images in: newest first, then by name.
    public static func listedBefore(_ a: ImageRecord, _ b: ImageRecord) -> Bool { (a.created, a.reference) > (b.created, b.reference) }
}

extension Engine {
    /// Image id → containers (any state) made from it: what `system df` and the images view count.
    public func containersByImage() -> [String: Int] {
        var counts: [String: Int] = [:]
        for id in store.containerIDs() {
            if let image = store.record(id)?.imageID { counts[image, default: 0] += 1 }
        }
        return counts
    }

    /// The images, newest first as `berth images` sorts them. Costs one read of each image
    /// record and of each container record.
    public func imageSummaries() throws -> [ImageSummary] {
        let used = containersByImage()
        return try images.list().sorted(by: ImageRecord.listedBefore).map {
            ImageSummary(reference: $0.reference, id: $0.id, size: $0.size, layers: $0.layers.count, created: $0.created,
                         usedBy: used[$0.id] ?? 0)
        }
    }

    /// The volumes by name. Costs one read of each volume's record and of each container's spec.
    public func volumeSummaries() throws -> [VolumeSummary] {
        let users = volumeUsers()
        return volumes().sorted { $0.name < $1.name }.map {
            VolumeSummary(name: $0.name, anonymous: $0.anonymous, created: $0.created, usedBy: (users[$0.name] ?? []).sorted())
        }
    }

    /// The networks, the default bridge first, as `network ls` lists them. Costs one read of each
    /// network's definition and each container record per network.
    public func networkSummaries() throws -> [NetworkSummary] {
        try networks().map { n in
            NetworkSummary(name: n.name, subnet: n.subnetsText, gateway: n.gatewaysText,
                           isInternal: n.internal == true, members: networkMembers(n.name).map(\.record.name))
        }
    }

    /// Removes one image reference, volume or network, as `rmi`, `volume rm` and `network rm` do
    /// (refused while containers use it).
    public func removeResource(_ kind: ResourceKind, _ name: String) throws {
        switch kind {
        case .image: _ = try removeImage(name, force: false)
        case .volume: try removeVolume(name)
        case .network: try removeNetwork(name)
        }
    }

    /// `image prune -a` (every image no container uses, and unused layers), `volume prune -a`, or
    /// `network prune`; returns what was removed, in words, for a status line.
    public func pruneResources(_ kind: ResourceKind) throws -> String {
        switch kind {
        case .image:
            let r = try pruneImages(all: true)
            return "\(r.untagged.count) image\(r.untagged.count == 1 ? "" : "s") removed, \(ByteSize.format(Int64(r.reclaimed))) reclaimed"
        case .volume:
            let n = try pruneVolumes(all: true).count
            return "\(n) volume\(n == 1 ? "" : "s") removed"
        case .network:
            let n = try pruneNetworks().count
            return "\(n) network\(n == 1 ? "" : "s") removed"
        }
    }
}
