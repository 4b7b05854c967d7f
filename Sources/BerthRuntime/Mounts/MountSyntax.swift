import BerthOS

/// docker's three spellings of a mount, parsed into `MountRequest`s; syntax only (targets are
/// validated by `MountTarget`, host paths at create time by `BindSource`).
///
/// - `-v [SRC:]DST[:OPTS]`: SRC absolute = bind (created when missing), SRC a name = named
///   volume, no SRC = anonymous volume. OPTS: `ro`/`rw`, a propagation mode, `z`/`Z` (SELinux
///   relabelling: accepted and ignored, Berth applies no SELinux labels), `nocopy`.
/// - `--mount type=bind|volume|tmpfs,src=…,dst=…,readonly,bind-propagation=…,volume-nocopy,
///   tmpfs-size=…,tmpfs-mode=…`: a bind source must exist.
/// - `--tmpfs DST[:OPTS]`: OPTS are tmpfs mount options (`TmpfsOptions`).
public enum MountSyntax {
    public static func volume(_ text: String) throws(BerthError) -> MountRequest {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let bad = { (why: String) in BerthError.invalidArgument("invalid volume specification \(text.quoted): \(why)") }
        guard (1...3).contains(parts.count), !parts.contains(where: \.isEmpty) else {
            throw bad("expected [SOURCE:]TARGET[:OPTIONS]")
        }
        if parts.count == 1 {
            return MountRequest(kind: .volume, target: try MountTarget.validate(parts[0]))
        }
        let source = parts[0], target = try MountTarget.validate(parts[1])
        var m: MountRequest
        if source.hasPrefix("/") {
            m = MountRequest(kind: .bind, source: source, target: target, createSource: true)
        } else if source.hasPrefix(".") || source.contains("/") {
            throw bad("a host path must be absolute; a volume name is [a-zA-Z0-9][a-zA-Z0-9_.-]*")
        } else {
            m = MountRequest(kind: .volume, source: try ResourceName.validate(source, kind: .volume, minimumLength: 2), target: target)
        }
        guard parts.count == 3 else { return m }
        var sawMode = false
        for option in parts[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            switch option {
            case "ro", "rw":
                if sawMode { throw bad("more than one of ro and rw") }
                sawMode = true
                m.readOnly = option == "ro"
            case "z", "Z":
                break // SELinux relabelling; Berth applies no SELinux labels, so there is nothing to relabel.
            case "nocopy":
                guard m.kind == .volume else { throw bad("nocopy applies to volumes, not to host paths") }
                m.noCopy = true
            default:
                guard let p = MountRequest.Propagation(rawValue: option) else { throw bad("unknown option \(option.quoted)") }
                guard m.kind == .bind else { throw bad("propagation \(option) applies to host paths, not to volumes") }
                if m.propagation != nil { throw bad("more than one propagation mode") }
                m.propagation = try checked(p)
            }
        }
        return m
    }

    public static func mount(_ text: String) throws(BerthError) -> MountRequest {
        let bad = { (why: String) in BerthError.invalidArgument("invalid --mount \(text.quoted): \(why)") }
        var kind = MountRequest.Kind.volume
        var source: String?, target: String?, readOnly = false, propagation: MountRequest.Propagation?
        var noCopy = false, tmpfs: [String] = []
        var seen: Set<String> = []
        for field in text.split(separator: ",", omittingEmptySubsequences: false) {
            let kv = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let key = kv[0].lowercased(), value = kv.count > 1 ? kv[1] : nil
            let canonical = ["src": "source", "dst": "target", "destination": "target", "ro": "readonly"][key] ?? key
            guard seen.insert(canonical).inserted else { throw bad("\(key) given twice") }
            func required() throws(BerthError) -> String {
                guard let value, !value.isEmpty else { throw bad("\(key) needs a value") }
                return value
            }
            func flag() throws(BerthError) -> Bool {
                switch value?.lowercased() {
                case nil, "true", "1": return true
                case "false", "0": return false
                default: throw bad("\(key) takes true or false, not \(value!.quoted)")
                }
            }
            switch canonical {
            case "type":
                guard let k = MountRequest.Kind(rawValue: try required()) else {
                    throw bad("type must be bind, volume or tmpfs")
                }
                kind = k
            case "source": source = try required()
            case "target": target = try required()
            case "readonly": readOnly = try flag()
            case "bind-propagation":
                guard let p = MountRequest.Propagation(rawValue: try required()) else {
                    throw bad("bind-propagation must be one of \(MountRequest.Propagation.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                propagation = try checked(p)
            case "volume-nocopy": noCopy = try flag()
            case "tmpfs-size": tmpfs.append("size=\(try ByteSize.parse(try required()))")
            case "tmpfs-mode":
                let v = try required()
                guard let mode = UInt32(v, radix: 8), mode <= 0o7777 else { throw bad("tmpfs-mode must be octal, e.g. 1777") }
                tmpfs.append("mode=" + String(mode, radix: 8))
            case "consistency":
                break // docker for Mac's caching hint; on Linux docker ignores it too.
            case "volume-driver":
                guard value == "local" else { throw bad("only the local volume driver exists") }
            default:
                throw bad("unknown key \(key.quoted)")
            }
        }
        guard let target else { throw bad("a target (dst=PATH) is required") }
        let clean = try MountTarget.validate(target)
        if propagation != nil && kind != .bind { throw bad("bind-propagation applies to type=bind") }
        if noCopy && kind != .volume { throw bad("volume-nocopy applies to type=volume") }
        if !tmpfs.isEmpty && kind != .tmpfs { throw bad("tmpfs-size and tmpfs-mode apply to type=tmpfs") }
        switch kind {
        case .bind:
            guard let source, source.hasPrefix("/") else { throw bad("type=bind needs an absolute source (src=/host/path)") }
            return MountRequest(kind: .bind, source: source, target: clean, readOnly: readOnly, propagation: propagation)
        case .volume:
            let name = try source.map { s throws(BerthError) in try ResourceName.validate(s, kind: .volume, minimumLength: 2) } ?? ""
            return MountRequest(kind: .volume, source: name, target: clean, readOnly: readOnly, noCopy: noCopy)
        case .tmpfs:
            if source != nil { throw bad("type=tmpfs takes no source") }
            return MountRequest(kind: .tmpfs, target: clean, readOnly: readOnly, tmpfsOptions: tmpfs)
        }
    }

    public static func tmpfs(_ text: String) throws(BerthError) -> MountRequest {
        let colon = text.firstIndex(of: ":")
        let target = try MountTarget.validate(String(text[..<(colon ?? text.endIndex)]))
        let options = colon.map { text[text.index(after: $0)...].split(separator: ",").map(String.init) } ?? []
        for o in options where !TmpfsOptions.isAllowed(o) {
            throw .invalidArgument("invalid --tmpfs \(text.quoted): unknown option \(o.quoted) (allowed: \(TmpfsOptions.names))")
        }
        return MountRequest(kind: .tmpfs, target: target, tmpfsOptions: options)
    }

    private static func checked(_ p: MountRequest.Propagation) throws(BerthError) -> MountRequest.Propagation {
        if p == .shared || p == .rshared {
            throw .unsupported("bind propagation \(p.rawValue) is not supported: mounts made inside a container never reach the host; use rslave to see the host's new mounts")
        }
        return p
    }
}

/// The tmpfs options a user may give (`--tmpfs /run:size=64m,mode=755`): tmpfs's own and the
/// generic flags; nothing else reaches the mount's data string.
public enum TmpfsOptions {
    static let valued = ["size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol"]
    static let flags = ["ro", "rw", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "atime", "noatime",
                        "diratime", "nodiratime", "relatime", "norelatime", "strictatime", "nostrictatime",
                        "sync", "async", "dirsync"]
    static var names: String { (valued.map { $0 + "=" } + flags).joined(separator: " ") }

    static func isAllowed(_ option: String) -> Bool {
        if flags.contains(option) { return true }
        guard let eq = option.firstIndex(of: "="), valued.contains(String(option[..<eq])) else { return false }
        let value = option[option.index(after: eq)...]
        return !value.isEmpty && value.allSatisfy { $0.isLetter || $0.isNumber || $0 == ":" || $0 == "%" || $0 == "-" }
    }

    /// docker's defaults for a tmpfs (`--tmpfs`, `--mount type=tmpfs`): no set-uid, no devices, no exec;
    /// the user's options come after and win (`exec` undoes `noexec`).
    public static let defaults = ["nosuid", "nodev", "noexec"]
}
