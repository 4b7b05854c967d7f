import BerthOS
import Foundation

/// The defaults an image gives its containers (the OCI image config's `config` object).
public struct ImageConfig: Codable, Sendable, Equatable {
    public var env: [String]
    public var entrypoint: [String]
    public var cmd: [String]
    public var workingDir: String
    public var user: String
    public var exposedPorts: [String]
    public var labels: [String: String]
    /// The image's `Volumes`: paths that get an anonymous volume unless a mount names them (nil: none;
    /// optional so records of older versions decode).
    public var volumes: [String]?
    /// The image's `Healthcheck` (nil: none; optional so records of older versions decode).
    public var healthcheck: HealthConfig?

    public init(env: [String] = [], entrypoint: [String] = [], cmd: [String] = [], workingDir: String = "",
                user: String = "", exposedPorts: [String] = [], labels: [String: String] = [:]) {
        self.env = env; self.entrypoint = entrypoint; self.cmd = cmd; self.workingDir = workingDir
        self.user = user; self.exposedPorts = exposedPorts; self.labels = labels
    }
}

/// One image in the store: a name:tag pointing at an ordered list of read-only layers.
public struct ImageRecord: Codable, Sendable, Equatable {
    public var name: String
    public var tag: String
    public var id: String
    /// Layer ids, lowest first; each is a directory under `<root>/layers/`, named by the hex of
    /// the layer's DiffID (the sha256 of its uncompressed tar stream).
    public var layers: [String]
    public var config: ImageConfig
    public var created: Date
    /// Bytes of file data in all layers.
    public var size: UInt64
    /// Bytes of file data per layer, in `layers` order (nil in records older than digests).
    public var layerSizes: [UInt64]?
    /// `oci`, `docker-archive` or `rootfs`: what the image was imported from.
    public var format: String?
    /// The manifest's digest when the image came with one.
    public var manifestDigest: String?
    public var architecture: String?
    public var os: String?

    public init(name: String, tag: String, id: String, layers: [String], config: ImageConfig, created: Date, size: UInt64,
                layerSizes: [UInt64]? = nil, format: String? = nil, manifestDigest: String? = nil,
                architecture: String? = nil, os: String? = nil) {
        self.name = name; self.tag = tag; self.id = id; self.layers = layers; self.config = config
        self.created = created; self.size = size; self.layerSizes = layerSizes; self.format = format
        self.manifestDigest = manifestDigest; self.architecture = architecture; self.os = os
    }

    public var reference: String { "\(name):\(tag)" }
    public var shortID: String { String(id.prefix(12)) }
}

/// `name[:tag]` as users write it; the tag defaults to `latest`.
public struct ImageReference: Equatable, Sendable, CustomStringConvertible {
    public var name: String
    public var tag: String

    public init(parsing text: String) throws {
        guard !text.isEmpty else { throw BerthError.invalidArgument("empty image name") }
        // A colon after the last slash separates the tag (a registry host may carry a port).
        if let colon = text.lastIndex(of: ":"), !text[colon...].contains("/") {
            name = String(text[..<colon]); tag = String(text[text.index(after: colon)...])
        } else {
            name = text; tag = "latest"
        }
        let allowedName = Set("abcdefghijklmnopqrstuvwxyz0123456789._-/:")
        let allowedTag = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name.allSatisfy({ allowedName.contains($0) }), name.first!.isLetter || name.first!.isNumber else {
            throw BerthError.invalidArgument("invalid image name \(text.quoted): use lowercase letters, digits, '.', '_', '-' and '/'")
        }
        guard !tag.isEmpty, tag.count <= 128, tag.allSatisfy({ allowedTag.contains($0) }) else {
            throw BerthError.invalidArgument("invalid image tag in \(text.quoted)")
        }
    }

    public var description: String { "\(name):\(tag)" }
}
