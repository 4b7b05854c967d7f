import BerthOS

/// One mount a container asks for, in docker's terms: what `-v`, `--mount` and `--tmpfs` (and
/// compose's `volumes:`/`tmpfs:`) mean once parsed (`MountSyntax`). Stored in a service's
/// template, so every field has a default when decoded.
public struct MountRequest: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// A host path (`-v /host:/ctr`, `--mount type=bind`).
        case bind
        /// A volume under the state root, by name; an empty name is an anonymous volume.
        case volume
        /// A tmpfs private to the container.
        case tmpfs
    }

    /// docker's bind propagation modes. `shared`/`rshared` are refused (`MountSyntax`): mounts
    /// made inside a container never reach the host's mount table in Berth.
    public enum Propagation: String, Codable, Sendable, CaseIterable {
        case `private`, rprivate, slave, rslave, shared, rshared
    }

    public var kind: Kind
    /// bind: the host path; volume: the volume's name ("" = anonymous); tmpfs: unused.
    public var source: String
    /// Absolute path inside the container, lexically clean (`MountTarget.clean`).
    public var target: String
    public var readOnly: Bool
    /// bind only; nil = docker's default, rprivate.
    public var propagation: Propagation?
    /// `-v` creates a missing host directory; `--mount` refuses it (docker).
    public var createSource: Bool
    /// tmpfs only: size=, mode=, uid=, gid=, nr_inodes=, exec, … as checked by `MountSyntax`.
    public var tmpfsOptions: [String]
    /// volume only (`nocopy`): a new volume is not seeded from the image.
    public var noCopy: Bool

    public init(kind: Kind, source: String = "", target: String, readOnly: Bool = false,
                propagation: Propagation? = nil, createSource: Bool = false, tmpfsOptions: [String] = [],
                noCopy: Bool = false) {
        self.kind = kind; self.source = source; self.target = target; self.readOnly = readOnly
        self.propagation = propagation; self.createSource = createSource; self.tmpfsOptions = tmpfsOptions
        self.noCopy = noCopy
    }

    private enum CodingKeys: String, CodingKey {
        case kind, source, target, readOnly, propagation, createSource, tmpfsOptions, noCopy
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: try c.decode(Kind.self, forKey: .kind), target: try c.decode(String.self, forKey: .target))
        source = try c.decodeIfPresent(String.self, forKey: .source) ?? ""
        readOnly = try c.decodeIfPresent(Bool.self, forKey: .readOnly) ?? false
        propagation = try c.decodeIfPresent(Propagation.self, forKey: .propagation)
        createSource = try c.decodeIfPresent(Bool.self, forKey: .createSource) ?? false
        tmpfsOptions = try c.decodeIfPresent([String].self, forKey: .tmpfsOptions) ?? []
        noCopy = try c.decodeIfPresent(Bool.self, forKey: .noCopy) ?? false
    }
}

/// Mount targets: absolute, lexically clean, never `/` and never under `/proc` or `/sys` (the
/// container's kernel filesystems; the shim also refuses a target that an image's symlink leads
/// into them). One function, used by every front end.
public enum MountTarget {
    public static let reserved = ["/proc", "/sys"]

    /// `/a/./b/../c/` → `/a/c`; `..` above `/` stays at `/`, as the kernel resolves it.
    public static func clean(_ path: String) -> String {
        var parts: [Substring] = []
        for c in path.split(separator: "/") {
            if c == "." { continue }
            if c == ".." { _ = parts.popLast(); continue }
            parts.append(c)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The clean target, or one line saying why it cannot be mounted on.
    public static func validate(_ path: String) throws(BerthError) -> String {
        guard path.hasPrefix("/") else {
            throw .invalidArgument("invalid mount target \(path.quoted): it must be an absolute path")
        }
        let clean = clean(path)
        if clean == "/" { throw .invalidArgument("invalid mount target \(path.quoted): cannot mount over the container's root") }
        for r in reserved where clean == r || clean.hasPrefix(r + "/") {
            throw .invalidArgument("invalid mount target \(path.quoted): \(r) is the container's kernel filesystem and cannot be mounted over")
        }
        return clean
    }

}
