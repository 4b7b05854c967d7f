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
    /// The image's `StopSignal` (Dockerfile `STOPSIGNAL`; nil: SIGTERM; optional so older records decode).
    public var stopSignal: String?

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
        guard Self.isValidName(name) else {
            throw BerthError.invalidArgument("invalid image name \(text.quoted): use lowercase letters and digits separated by '.', '_', '__' or '-', components by '/', after an optional registry host[:port]/")
        }
        guard Self.isValidTag(tag) else {
            throw BerthError.invalidArgument("invalid image tag in \(text.quoted): up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'")
        }
    }

    /// docker's reference grammar for a name: `[HOST[:PORT]/]COMPONENT[/COMPONENT…]`, a component
    /// being lowercase letters and digits joined by one separator (`.`, `_`, `__` or `-`s), so no
    /// component is empty, `.` or `..` and no name holds a control character.
    static func isValidName(_ name: String) -> Bool {
        guard name.utf8.count <= 255 else { return false }
        var parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.count > 1, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
            guard isValidHost(parts.removeFirst()) else { return false }
        }
        return !parts.isEmpty && parts.allSatisfy(isValidComponent)
    }

    private static func isValidComponent(_ c: String) -> Bool {
        let bytes = Array(c.utf8)
        func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        guard let first = bytes.first, let last = bytes.last, alnum(first), alnum(last) else { return false }
        var i = 0
        while i < bytes.count {
            if alnum(bytes[i]) { i += 1; continue }
            // A separator: '.', '_', '__' or a run of '-', between two alphanumerics.
            var j = i
            if bytes[i] == UInt8(ascii: "-") {
                while j < bytes.count && bytes[j] == UInt8(ascii: "-") { j += 1 }
            } else if bytes[i] == UInt8(ascii: "_") {
                j += (j + 1 < bytes.count && bytes[j + 1] == UInt8(ascii: "_")) ? 2 : 1
            } else if bytes[i] == UInt8(ascii: ".") {
                j += 1
            } else {
                return false
            }
            guard j < bytes.count, alnum(bytes[j]) else { return false }
            i = j
        }
        return true
    }

    /// `host[:port]`: dot-separated labels of letters, digits and inner '-', a numeric port.
    private static func isValidHost(_ h: String) -> Bool {
        let hostAndPort = h.split(separator: ":", omittingEmptySubsequences: false)
        guard hostAndPort.count <= 2 else { return false }
        if hostAndPort.count == 2 {
            guard !hostAndPort[1].isEmpty, hostAndPort[1].count <= 5, hostAndPort[1].allSatisfy(\.isASCIIDigit) else { return false }
        }
        let labels = hostAndPort[0].split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { l in
            !l.isEmpty && l.first != "-" && l.last != "-" && l.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    static func isValidTag(_ tag: String) -> Bool {
        guard let first = tag.first, tag.count <= 128, first != ".", first != "-" else { return false }
        return tag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }
    }

    public var description: String { "\(name):\(tag)" }
}
