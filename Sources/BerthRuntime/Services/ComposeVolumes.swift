import BerthOS
import Foundation
import Yams

/// A top-level `volumes:` entry of a compose file.
public struct ComposeVolume: Sendable, Equatable {
    /// The key in the file (`data`), which services name.
    public var key: String
    /// The volume's name in the root: `PROJECT_KEY` as compose names it, or `name:` as given, or
    /// the key itself when `external: true`.
    public var name: String
    /// Made elsewhere (`berth volume create`): `up` requires it, `down -v` keeps it.
    public var external: Bool
    public var labels: [String: String]

    public init(key: String, name: String, external: Bool = false, labels: [String: String] = [:]) {
        self.key = key; self.name = name; self.external = external; self.labels = labels
    }
}

/// Compose's `volumes:`, at the top level and in a service (short syntax `[SRC:]DST[:MODE]`, long
/// syntax as a mapping), as `MountRequest`s: relative host paths resolve against the file's
/// directory, `~` against `HOME`, and a named volume must be declared at the top level.
extension Reader {
    mutating func topLevelVolumes(_ node: Node, project: String) throws -> [String: ComposeVolume] {
        var out: [String: ComposeVolume] = [:]
        for (key, value) in try mapping(node, "volumes") {
            let path = "volumes.\(key)"
            do { try ResourceName.validate(key, kind: .volume) } catch { throw fail(path, error.description) }
            var v = ComposeVolume(key: key, name: project + "_" + key)
            var explicitName: String?
            if !Self.isNull(value) {
                for (k, item) in try mapping(value, path) {
                    switch k {
                    case "name": explicitName = try string(item, "\(path).name")
                    case "external":
                        v.external = try boolean(item, "\(path).external")
                    case "labels": v.labels = try labels(item, "\(path).labels")
                    case "driver":
                        guard try string(item, "\(path).driver") == "local" else { throw fail("\(path).driver", "only the local driver exists") }
                    default:
                        if !k.hasPrefix("x-") { warn("\(path).\(k): not supported, ignored") }
                    }
                }
            }
            if let explicitName { v.name = explicitName } else if v.external { v.name = key }
            do { try ResourceName.validate(v.name, kind: .volume, minimumLength: 2) } catch { throw fail(path, error.description) }
            out[key] = v
        }
        return out
    }

    mutating func serviceVolumes(_ node: Node, _ path: String) throws -> [MountRequest] {
        guard case .sequence(let seq) = node else { throw fail(path, "expected a list") }
        return try seq.enumerated().map { i, item in
            let p = "\(path)[\(i)]"
            do {
                if case .mapping = item { return try longVolume(item, p) }
                return try shortVolume(try string(item, p), p)
            } catch let e as BerthError where !e.description.hasPrefix(p) {
                throw fail(p, e.description)
            }
        }
    }

    private mutating func shortVolume(_ text: String, _ path: String) throws -> MountRequest {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { return try MountSyntax.volume(text) } // DST alone: anonymous
        let source = parts[0]
        if isHostPath(source) { return try MountSyntax.volume(hostPath(source) + ":" + parts[1]) }
        return try MountSyntax.volume(try declaredVolume(source, path) + ":" + parts[1])
    }

    private mutating func longVolume(_ node: Node, _ path: String) throws -> MountRequest {
        var type = "volume", source: String?, target: String?, readOnly = false
        var propagation: MountRequest.Propagation?, create = false, noCopy = false, tmpfs: [String] = []
        for (key, value) in try mapping(node, path) {
            let p = "\(path).\(key)"
            switch key {
            case "type": type = try string(value, p)
            case "source": source = try string(value, p)
            case "target": target = try string(value, p)
            case "read_only": readOnly = try boolean(value, p)
            case "consistency": _ = try string(value, p)
            case "bind":
                for (k, v) in try mapping(value, p) {
                    switch k {
                    case "propagation":
                        let text = try string(v, "\(p).propagation")
                        guard let mode = MountRequest.Propagation(rawValue: text) else { throw fail("\(p).propagation", "unknown mode \(text.quoted)") }
                        guard mode != .shared && mode != .rshared else {
                            throw fail("\(p).propagation", "\(text) is not supported: mounts made inside a container never reach the host")
                        }
                        propagation = mode
                    case "create_host_path": create = try boolean(v, "\(p).create_host_path")
                    case "selinux": _ = try string(v, "\(p).selinux") // no SELinux labels in Berth: nothing to relabel
                    default: warn("\(p).\(k): not supported, ignored")
                    }
                }
            case "volume":
                for (k, v) in try mapping(value, p) {
                    if k == "nocopy" { noCopy = try boolean(v, "\(p).nocopy") } else { warn("\(p).\(k): not supported, ignored") }
                }
            case "tmpfs":
                for (k, v) in try mapping(value, p) {
                    switch k {
                    case "size": tmpfs.append("size=\(try memory(v, "\(p).size"))")
                    case "mode":
                        let text = try string(v, "\(p).mode")
                        guard let mode = UInt32(text, radix: 8), mode <= 0o7777 else { throw fail("\(p).mode", "expected an octal mode such as 1777") }
                        tmpfs.append("mode=" + String(mode, radix: 8))
                    default: warn("\(p).\(k): not supported, ignored")
                    }
                }
            default:
                if !key.hasPrefix("x-") { warn("\(p): not supported, ignored") }
            }
        }
        guard let target else { throw fail("\(path).target", "missing") }
        let clean: String
        do { clean = try MountTarget.validate(target) } catch { throw fail("\(path).target", error.description) }
        switch type {
        case "bind":
            guard let source, !source.isEmpty else { throw fail("\(path).source", "missing (a bind needs a host path)") }
            return MountRequest(kind: .bind, source: hostPath(source), target: clean, readOnly: readOnly,
                                propagation: propagation, createSource: create)
        case "volume":
            let name = try source.map { s throws -> String in try declaredVolume(s, "\(path).source") } ?? ""
            return MountRequest(kind: .volume, source: name, target: clean, readOnly: readOnly, noCopy: noCopy)
        case "tmpfs":
            if source != nil { throw fail("\(path).source", "a tmpfs takes no source") }
            return MountRequest(kind: .tmpfs, target: clean, readOnly: readOnly, tmpfsOptions: tmpfs)
        default:
            throw fail("\(path).type", "expected bind, volume or tmpfs, not \(type.quoted)")
        }
    }

    private func isHostPath(_ s: String) -> Bool { s.hasPrefix("/") || s.hasPrefix(".") || s.hasPrefix("~") }

    /// `./data` against the file's directory, `~/x` against HOME; absolute paths as they are.
    private func hostPath(_ s: String) -> String {
        if s.hasPrefix("/") { return s }
        if s == "~" || s.hasPrefix("~/") { return MountTarget.clean((environment["HOME"] ?? "/root") + s.dropFirst()) }
        return MountTarget.clean((baseDirectory ?? FileManager.default.currentDirectoryPath) + "/" + s)
    }

    private func declaredVolume(_ key: String, _ path: String) throws -> String {
        guard let v = declaredVolumes[key] else {
            throw fail(path, "the volume \(key.quoted) is not declared in the top-level volumes:")
        }
        return v.name
    }
}
