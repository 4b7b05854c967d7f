import Foundation

/// The parts of the OCI image spec (and docker's save format) that import and export read and
/// write. Unknown fields are ignored on input.
public enum OCIMediaType {
    public static let index = "application/vnd.oci.image.index.v1+json"
    public static let manifest = "application/vnd.oci.image.manifest.v1+json"
    public static let config = "application/vnd.oci.image.config.v1+json"
    public static let layerTar = "application/vnd.oci.image.layer.v1.tar"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    /// Docker's layer tar; `.gzip` appended for a compressed one.
    public static let dockerLayer = "application/vnd.docker.image.rootfs.diff.tar"

    public static func isIndex(_ t: String?) -> Bool { t == index || t == dockerManifestList }
    public static func isManifest(_ t: String?) -> Bool { t == manifest || t == dockerManifest }

    /// Layer types Berth unpacks: tar in any compression libarchive detects. Encrypted or
    /// foreign layers are refused by name. Exact matches only: ocicrypt's types extend these
    /// (`…tar+gzip+encrypted`), and an encrypted blob must be refused, not unpacked as noise.
    public static func isLayer(_ t: String) -> Bool {
        let known = ["application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.nondistributable.v1.tar",
                     "application/vnd.docker.image.rootfs.diff.tar", "application/vnd.docker.image.rootfs.foreign.diff.tar"]
        return known.contains { t == $0 || t == $0 + "+gzip" || t == $0 + "+zstd" || t == $0 + ".gzip" }
    }
}

public struct OCIPlatform: Codable, Sendable, Equatable {
    public var architecture: String
    public var os: String
    public var variant: String?

    public init(architecture: String, os: String, variant: String? = nil) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
    }
}

public struct OCIDescriptor: Codable, Sendable {
    public var mediaType: String?
    public var digest: String
    public var size: Int64
    public var platform: OCIPlatform?
    public var annotations: [String: String]?

    public init(mediaType: String?, digest: String, size: Int64, platform: OCIPlatform? = nil, annotations: [String: String]? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.platform = platform
        self.annotations = annotations
    }
}

public struct OCIIndex: Codable, Sendable {
    public var schemaVersion: Int?
    public var mediaType: String?
    public var manifests: [OCIDescriptor]

    public init(schemaVersion: Int?, mediaType: String?, manifests: [OCIDescriptor]) {
        self.schemaVersion = schemaVersion
        self.mediaType = mediaType
        self.manifests = manifests
    }
}

public struct OCIManifest: Codable, Sendable {
    public var schemaVersion: Int?
    public var mediaType: String?
    public var config: OCIDescriptor
    public var layers: [OCIDescriptor]
}

/// `{}`: the value type of ExposedPorts and Volumes.
struct OCIEmpty: Codable, Equatable {}

struct OCIContainerConfig: Codable {
    var Env: [String]?
    var Entrypoint: [String]?
    var Cmd: [String]?
    var WorkingDir: String?
    var User: String?
    var ExposedPorts: [String: OCIEmpty]?
    var Labels: [String: String]?
    var Volumes: [String: OCIEmpty]?
    var Healthcheck: HealthConfig?
    var StopSignal: String?
}

public struct OCIRootFS: Codable, Sendable {
    public var type: String
    public var diff_ids: [String]
}

struct OCIHistory: Codable {
    var created: String?
    var created_by: String?
    var comment: String?
    var empty_layer: Bool?
}

struct OCIImageConfigFile: Codable {
    var created: String?
    var author: String?
    var architecture: String?
    var os: String?
    var config: OCIContainerConfig?
    var rootfs: OCIRootFS?
    var history: [OCIHistory]?

    var imageConfig: ImageConfig {
        let c = config
        var config = ImageConfig(env: c?.Env ?? [], entrypoint: c?.Entrypoint ?? [], cmd: c?.Cmd ?? [],
                                 workingDir: c?.WorkingDir ?? "", user: c?.User ?? "",
                                 exposedPorts: (c?.ExposedPorts ?? [:]).keys.sorted(), labels: c?.Labels ?? [:])
        if let v = c?.Volumes, !v.isEmpty { config.volumes = v.keys.sorted() }
        config.healthcheck = c?.Healthcheck
        config.stopSignal = c?.StopSignal
        return config
    }

    init(created: String?, architecture: String, os: String, config: ImageConfig, diffIDs: [Digest]) {
        self.created = created
        self.architecture = architecture
        self.os = os
        self.config = OCIContainerConfig(
            Env: config.env.isEmpty ? nil : config.env, Entrypoint: config.entrypoint.isEmpty ? nil : config.entrypoint,
            Cmd: config.cmd.isEmpty ? nil : config.cmd, WorkingDir: config.workingDir.isEmpty ? nil : config.workingDir,
            User: config.user.isEmpty ? nil : config.user,
            ExposedPorts: config.exposedPorts.isEmpty ? nil : Dictionary(uniqueKeysWithValues: config.exposedPorts.map { ($0, OCIEmpty()) }),
            Labels: config.labels.isEmpty ? nil : config.labels,
            Volumes: config.volumes.map { Dictionary(uniqueKeysWithValues: $0.map { ($0, OCIEmpty()) }) },
            Healthcheck: config.healthcheck, StopSignal: config.stopSignal)
        rootfs = OCIRootFS(type: "layers", diff_ids: diffIDs.map(\.description))
        history = nil
        author = nil
    }
}

/// One image of a docker-archive's `manifest.json` (`docker save`, `skopeo copy … docker-archive:`).
struct DockerArchiveManifest: Codable {
    var Config: String
    var RepoTags: [String]?
    var Layers: [String]
}

extension JSONEncoder {
    /// Compact, sorted keys, slashes unescaped: the bytes that get digested.
    static var oci: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
