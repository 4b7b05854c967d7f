import BerthOS
#if canImport(Glibc)
import Glibc
#endif

/// One `RUN --mount=…` as written (BuildKit's `type=cache|bind|tmpfs|secret|ssh` and their
/// options), parsed and checked before anything runs; `RunMounts` makes it real.
struct RunMount: Equatable {
    enum Kind: String { case bind, cache, tmpfs, secret, ssh }
    /// How concurrent builds share a cache mount: `shared` together, `private` each its own
    /// directory when one is in use, `locked` one at a time.
    enum Sharing: String { case shared, `private`, locked }

    var kind: Kind
    /// Absolute and clean inside the container (`MountTarget.validate`).
    var target: String
    /// cache, secret and ssh: the key (a cache's defaults to its target, an ssh's to `default`).
    var id: String
    /// bind: the path in the context or in `from`.
    var source: String = ""
    /// bind: a stage name or index, or an image (nil: the build context).
    var from: String?
    var readWrite = false
    var sharing = Sharing.shared
    var mode: mode_t?
    var uid: uid_t = 0
    var gid: gid_t = 0
    /// tmpfs: `size=` in bytes.
    var size: Int64?
    /// secret and ssh: a missing secret or agent is an error (else the mount is left out).
    var required = false
    /// ssh: `target=` was given (else the builder numbers BuildKit's default path).
    var targetGiven = true

    /// The options each type takes (BuildKit's names and aliases).
    private static let keys: [Kind: Set<String>] = [
        .bind: ["target", "source", "from", "rw", "readwrite"],
        .cache: ["target", "id", "sharing", "mode", "uid", "gid", "ro", "readonly"],
        .tmpfs: ["target", "size"],
        .secret: ["target", "id", "required", "mode", "uid", "gid"],
        .ssh: ["target", "id", "required", "mode", "uid", "gid"],
    ]
    /// BuildKit's socket path for the Nth ssh mount of a step without `target=`.
    static func defaultSSHTarget(_ n: Int) -> String { "/run/buildkit/ssh_agent.\(n)" }
    private static let aliases = ["dst": "target", "destination": "target", "src": "source"]

    /// Parses `type=cache,target=/root/.cache,id=go` (after the builder's variable
    /// substitution). Errors are one line naming the option.
    static func parse(_ text: String) throws -> RunMount {
        var fields: [String: String] = [:]
        for field in text.split(separator: ",", omittingEmptySubsequences: true) {
            let eq = field.firstIndex(of: "=")
            var key = String(field[..<(eq ?? field.endIndex)]).lowercased()
            key = aliases[key] ?? key
            guard fields[key] == nil else { throw BerthError.invalidArgument("RUN --mount: \(key.quoted) given twice") }
            fields[key] = eq.map { String(field[field.index(after: $0)...]) } ?? "true"
        }
        let typeText = fields.removeValue(forKey: "type") ?? "bind"
        guard let kind = Kind(rawValue: typeText) else {
            throw BerthError.invalidArgument("RUN --mount type=\(typeText): not supported (bind, cache, tmpfs, secret or ssh)")
        }
        if let unknown = fields.keys.sorted().first(where: { !keys[kind]!.contains($0) }) {
            throw BerthError.invalidArgument("RUN --mount type=\(kind.rawValue): unknown option \(unknown.quoted) (allowed: \(keys[kind]!.sorted().joined(separator: ", ")))")
        }
        var id = fields["id"] ?? (kind == .ssh ? "default" : "")
        if kind == .secret || kind == .ssh {
            try checkName(id, what: "\(kind.rawValue) id")
        } else if kind == .cache, fields["id"] != nil {
            try checkName(id, what: "cache id")
        }
        let targetText = fields["target"] ?? (kind == .secret ? "/run/secrets/" + id : kind == .ssh ? defaultSSHTarget(0) : "")
        guard !targetText.isEmpty else { throw BerthError.invalidArgument("RUN --mount type=\(kind.rawValue): target= is required") }
        let target: String
        do { target = try MountTarget.validate(targetText) } catch { throw BerthError.invalidArgument("RUN --mount: \(error.description)") }
        if kind == .cache && id.isEmpty { id = target }
        var mount = RunMount(kind: kind, target: target, id: id)
        mount.targetGiven = fields["target"] != nil
        mount.source = fields["source"] ?? ""
        mount.from = fields["from"]
        mount.readWrite = try flag(fields["rw"] ?? fields["readwrite"], "rw") || (kind == .cache && !(try flag(fields["ro"] ?? fields["readonly"], "ro")))
        if let s = fields["sharing"] {
            guard let sharing = Sharing(rawValue: s) else { throw BerthError.invalidArgument("RUN --mount sharing=\(s): expected shared, private or locked") }
            mount.sharing = sharing
        }
        if let m = fields["mode"] {
            guard let v = mode_t(m, radix: 8), v <= 0o7777 else { throw BerthError.invalidArgument("RUN --mount mode=\(m): expected an octal mode") }
            mount.mode = v
        }
        if let u = fields["uid"] { guard let v = uid_t(u) else { throw BerthError.invalidArgument("RUN --mount uid=\(u): expected a number") }; mount.uid = v }
        if let g = fields["gid"] { guard let v = gid_t(g) else { throw BerthError.invalidArgument("RUN --mount gid=\(g): expected a number") }; mount.gid = v }
        if let s = fields["size"] { mount.size = try size(s) }
        mount.required = try flag(fields["required"], "required")
        return mount
    }

    /// Ids name directories and files on the host (`/run/secrets/<id>` by default inside):
    /// letters, digits, `_`, `.` and `-`, not `.` or `..`, at most 128 characters.
    static func checkName(_ name: String, what: String) throws {
        guard !name.isEmpty, name.count <= 128, name != ".", name != "..",
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) else {
            throw BerthError.invalidArgument("RUN --mount: invalid \(what) \(name.quoted): use letters, digits, '_', '.' and '-'")
        }
    }

    private static func flag(_ text: String?, _ name: String) throws -> Bool {
        switch text {
        case nil, "false": return false
        case "true": return true
        default: throw BerthError.invalidArgument("RUN --mount \(name)=\(text!): expected true or false")
        }
    }

    /// `64m`, `1g`, `4096`: bytes.
    private static func size(_ text: String) throws -> Int64 {
        let units: [Character: Int64] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        let lower = text.lowercased()
        let unit = lower.last.flatMap { units[$0] }
        let digits = unit == nil ? Substring(lower) : lower.dropLast()
        guard let n = Int64(digits), n > 0 else { throw BerthError.invalidArgument("RUN --mount size=\(text): expected a size like 64m") }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: unit ?? 1)
        guard !overflow else { throw BerthError.invalidArgument("RUN --mount size=\(text): too large") }
        return bytes
    }
}

/// `RUN --network=…`: BuildKit's modes.
enum RunNetwork {
    /// The step's network: `none` a fresh namespace with only loopback, `default` the build's;
    /// `host` is refused, as docker refuses it without an entitlement.
    static func mode(_ text: String?, default build: NetworkMode) throws -> NetworkMode {
        switch text {
        case nil, "default": return build
        case "none": return .none
        case "host":
            throw BerthError.invalidArgument("RUN --network=host is refused: docker requires the network.host entitlement for it, and berth build grants none")
        default:
            throw BerthError.invalidArgument("RUN --network=\(text!): expected none or default")
        }
    }
}
