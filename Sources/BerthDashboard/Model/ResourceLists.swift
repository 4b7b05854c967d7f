import BerthRuntime
import Foundation

/// The images, volumes and networks as last read for their views: one kind per read, read only
/// while its view is shown (the sampler's slower resource cadence).
public struct ResourceLists: Sendable, Equatable {
    public var images: [ImageSummary] = []
    public var volumes: [VolumeSummary] = []
    public var networks: [NetworkSummary] = []
    /// Kinds read at least once (before that the view says "reading…", not "none").
    public var loaded: Set<ResourceKind> = []
    /// Why the last read of a kind failed; its previous rows stay.
    public var errors: [ResourceKind: String] = [:]

    public init() {}

    public func count(_ kind: ResourceKind) -> Int {
        switch kind {
        case .image: return images.count
        case .volume: return volumes.count
        case .network: return networks.count
        }
    }

    /// The name `rm` takes for row `i`: the image's name:tag, the volume's or network's name.
    public func name(_ kind: ResourceKind, at i: Int) -> String? {
        guard i >= 0, i < count(kind) else { return nil }
        switch kind {
        case .image: return images[i].reference
        case .volume: return volumes[i].name
        case .network: return networks[i].name
        }
    }

    /// What uses row `i`, for the question before removing it ("" when nothing does).
    public func users(_ kind: ResourceKind, at i: Int) -> Int {
        guard i >= 0, i < count(kind) else { return 0 }
        switch kind {
        case .image: return images[i].usedBy
        case .volume: return volumes[i].usedBy.count
        case .network: return networks[i].members.count
        }
    }
}

/// One read of one kind of resource, as the sampler posts it.
public struct ResourceSnapshot: Sendable {
    public var kind: ResourceKind
    public var images: [ImageSummary] = []
    public var volumes: [VolumeSummary] = []
    public var networks: [NetworkSummary] = []
    public var error: String?

    public init(kind: ResourceKind) { self.kind = kind }

    /// Reads `kind` through the engine calls `berth images`, `volume ls` and `network ls` use.
    public static func take(_ kind: ResourceKind, from engine: any ContainerEngine) -> ResourceSnapshot {
        var s = ResourceSnapshot(kind: kind)
        do {
            switch kind {
            case .image: s.images = try engine.imageSummaries()
            case .volume: s.volumes = try engine.volumeSummaries()
            case .network: s.networks = try engine.networkSummaries()
            }
        } catch {
            s.error = "\(error)"
        }
        return s
    }
}

extension ResourceLists {
    mutating func apply(_ s: ResourceSnapshot) {
        loaded.insert(s.kind)
        if let e = s.error { errors[s.kind] = e; return }
        errors[s.kind] = nil
        switch s.kind {
        case .image: images = s.images
        case .volume: volumes = s.volumes
        case .network: networks = s.networks
        }
    }
}
