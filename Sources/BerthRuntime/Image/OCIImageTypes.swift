import Foundation

/// The parts of the OCI image spec (and docker's save format) that import and export read and
/// write. Unknown fields are ignored on input.
enum OCIMediaType {
    static let index = "application/vnd.oci.image.index.v1+json"
    static let manifest = "application/vnd.oci.image.manifest.v1+json"
    static let config = "application/vnd.oci.image.config.v1+json"
    static let layerTar = "application/vnd.oci.image.layer.v1.tar"
    static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"

    static func isIndex(_ t: String?) -> Bool { t == index || t == dockerManifestList }
    static func isManifest(_ t: String?) -> Bool { t == manifest || t == dockerManifest }

    /// Layer types Berth unpacks: tar in any compression libarchive detects. Encrypted or
    /// foreign layers are refused by name. Exact matches only: ocicrypt's types extend these
    /// (`…tar+gzip+encrypted`), and an encrypted blob must be refused, not unpacked as noise.
    static func isLayer(_ t: String) -> Bool {
        let known = ["application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.nondistributable.v1.tar",
                     "application/vnd.docker.image.rootfs.diff.tar", "application/vnd.docker.image.rootfs.foreign.diff.tar"]
        return known.contains { t == $0 || t == $0 + "+gzip" || t == $0 + "+zstd" || t == $0 + ".gzip" }
    }
}

struct OCIPlatform: Codable, Equatable {
    var architecture: String
    var os: String
    var variant: String?
}

struct OCIDescriptor: Codable {
    var mediaType: String?
    var digest: String
    var size: Int64
    var platform: OCIPlatform?
    var annotations: [String: String]?
}

struct OCIIndex: Codable {
    var schemaVersion: Int?
    var mediaType: String?
    var manifests: [OCIDescriptor]
}

struct OCIManifest: Codable {
    var schemaVersion: Int?
    var mediaType: String?
    var config: OCIDescriptor
    var layers: [OCIDescriptor]
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

struct OCIRootFS: Codable {
    var type: String
    var diff_ids: [String]
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
