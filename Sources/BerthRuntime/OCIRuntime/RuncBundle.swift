import BerthOCI
import BerthOS
import Foundation

/// An OCI bundle as `berth-runc create` reads it: `config.json` decoded and checked field by
/// field before anything is made, so a hostile or broken bundle fails with one line that names
/// the field and leaves nothing behind.
public struct RuncBundle: Sendable {
    /// The bundle's absolute path.
    public let path: String
    /// config.json with `root.path` made absolute.
    public let spec: OCI.Spec
    /// Fields present in config.json that this runtime does not apply (logged as notices).
    public let ignoredFields: [String]

    /// Fields Berth does not apply yet; present ones are reported, never silently dropped.
    static let notApplied: [(path: [String], name: String)] = [
        (["linux", "intelRdt"], "linux.intelRdt"),
        (["linux", "personality"], "linux.personality"), (["process", "apparmorProfile"], "process.apparmorProfile"),
        (["process", "selinuxLabel"], "process.selinuxLabel"), (["linux", "mountLabel"], "linux.mountLabel"),
        (["process", "consoleSize"], "process.consoleSize"),
        (["linux", "rootfsPropagation"], "linux.rootfsPropagation"),
        (["linux", "resources", "blockIO", "leafWeight"], "linux.resources.blockIO.leafWeight"),
        (["linux", "resources", "blockIO", "weightDevice"], "linux.resources.blockIO.weightDevice"),
        (["linux", "resources", "hugepageLimits"], "linux.resources.hugepageLimits"),
        (["linux", "resources", "unified"], "linux.resources.unified"), (["linux", "resources", "network"], "linux.resources.network"),
        (["linux", "resources", "rdma"], "linux.resources.rdma"),
    ]

    public static func load(_ bundle: String) throws(BerthError) -> RuncBundle {
        let dir = absolute(bundle)
        guard KernelFile.isDirectory(dir) else {
            throw .invalidArgument("bundle \(dir.quoted): no such directory")
        }
        guard let data = FileIO.read(dir + "/config.json") else {
            throw .invalidArgument("config.json: cannot read \((dir + "/config.json").quoted): \(String(cString: strerror(errno)))")
        }
        var spec: OCI.Spec
        do {
            spec = try JSONDecoder().decode(OCI.Spec.self, from: Data(data))
        } catch let error as DecodingError {
            throw .invalidArgument("config.json: " + describe(error))
        } catch {
            throw .invalidArgument("config.json: \(error)")
        }
        try check(&spec, bundle: dir)
        let raw = (try? JSONSerialization.jsonObject(with: Data(data))) as? [String: Any] ?? [:]
        let ignored = notApplied.filter { field in
            var node: Any? = raw
            for key in field.path { node = (node as? [String: Any])?[key] }
            return node != nil && !(node is NSNull)
        }.map(\.name)
        return RuncBundle(path: dir, spec: spec, ignoredFields: ignored)
    }

    /// `path` against the working directory, without "." components or trailing slashes.
    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return "/" + full.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    /// "linux.namespaces[1].type: …", from the decoder's coding path.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            var out = ""
            for k in keys {
                if let i = k.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + k.stringValue }
            }
            return out.isEmpty ? "(the document)" : out
        }
        switch error {
        case .typeMismatch(let type, let c): return "\(path(c.codingPath)): expected \(type)"
        case .valueNotFound(_, let c): return "\(path(c.codingPath)): missing value"
        case .keyNotFound(let key, let c): return "\(path(c.codingPath + [key])): missing"
        case .dataCorrupted(let c):
            if c.codingPath.last?.stringValue == "type", c.codingPath.contains(where: { $0.stringValue == "namespaces" }) {
                return "\(path(c.codingPath)): unknown namespace type"
            }
            let why = c.underlyingError.map { "invalid JSON (\(($0 as NSError).userInfo["NSDebugDescription"] ?? $0))" }
                ?? Quoted.escapeControls(c.debugDescription)
            return "\(path(c.codingPath)): \(why)"
        @unknown default: return "\(error)"
        }
    }

    static func check(_ spec: inout OCI.Spec, bundle: String) throws(BerthError) {
        guard spec.ociVersion.hasPrefix("1.") else {
            throw .invalidArgument("ociVersion \(spec.ociVersion.quoted): only 1.x is supported")
        }
        guard let process = spec.process else { throw .invalidArgument("process: missing (berth-runc runs a process)") }
        guard let args = process.args, !args.isEmpty, !args[0].isEmpty else {
            throw .invalidArgument("process.args: must name the command to run")
        }
        guard process.cwd.hasPrefix("/") else {
            throw .invalidArgument("process.cwd \(process.cwd.quoted): must be an absolute path")
        }
        guard var root = spec.root, !root.path.isEmpty else { throw .invalidArgument("root.path: missing") }
        root.path = root.path.hasPrefix("/") ? root.path : bundle + "/" + root.path
        guard KernelFile.isDirectory(root.path) else {
            throw .invalidArgument("root.path \(root.path.quoted): no such directory")
        }
        spec.root = root
        for (i, m) in (spec.mounts ?? []).enumerated() {
            guard m.destination.hasPrefix("/") else {
                throw .invalidArgument("mounts[\(i)].destination \(m.destination.quoted): must be an absolute path")
            }
            if m.destination.split(separator: "/").contains("..") {
                throw .invalidArgument("mounts[\(i)].destination \(m.destination.quoted): must not contain '..'")
            }
            let bind = m.type == "bind" || (m.options ?? []).contains { $0 == "bind" || $0 == "rbind" }
            if bind, (m.source ?? "").isEmpty {
                throw .invalidArgument("mounts[\(i)].source: a bind mount needs a source")
            }
        }
        let hooks = spec.hooks ?? OCI.Hooks()
        for (kind, list) in [("prestart", hooks.prestart), ("createRuntime", hooks.createRuntime),
                             ("createContainer", hooks.createContainer), ("startContainer", hooks.startContainer),
                             ("poststart", hooks.poststart), ("poststop", hooks.poststop)] {
            for (i, h) in (list ?? []).enumerated() {
                if !h.path.hasPrefix("/") {
                    throw .invalidArgument("hooks.\(kind)[\(i)].path \(h.path.quoted): must be an absolute path")
                }
                // The spec: "timeout … MUST be greater than zero"; a year is the longest the shim waits.
                if let t = h.timeout, t <= 0 || t > 31_536_000 {
                    throw .invalidArgument("hooks.\(kind)[\(i)].timeout \(t): must be 1 to 31536000 seconds")
                }
            }
        }
        let linux = spec.linux ?? OCI.Linux()
        if let seccomp = linux.seccomp {
            do { try SeccompNames.check(seccomp) } catch {
                throw .seccomp(error, in: "linux.seccomp.")
            }
        }
        var seen = Set<OCI.NamespaceType>()
        for (i, ns) in (linux.namespaces ?? []).enumerated() {
            guard seen.insert(ns.type).inserted else {
                throw .invalidArgument("linux.namespaces[\(i)].type \(ns.type.rawValue.quoted): listed twice")
            }
            if let path = ns.path {
                if ns.type == .mount {
                    throw .unsupported("linux.namespaces[\(i)].path: joining an existing mount namespace is not supported by berth-runc")
                }
                guard path.hasPrefix("/"), FileIO.exists(path) else {
                    throw .invalidArgument("linux.namespaces[\(i)].path \(path.quoted): no such file (an absolute path to a namespace, e.g. /proc/PID/ns/net)")
                }
            }
            if ns.type == .time {
                throw .unsupported("linux.namespaces[\(i)].type \(ns.type.rawValue.quoted): not supported by berth-runc yet")
            }
            if ns.type == .user, ns.path != nil {
                throw .unsupported("linux.namespaces[\(i)].path: joining an existing user namespace is not supported by berth-runc")
            }
        }
        try checkUserNamespace(linux, namespaces: linux.namespaces ?? [])
        guard seen.contains(.mount) else {
            throw .unsupported("linux.namespaces: berth-runc needs a mount namespace")
        }
        if let hostname = spec.hostname, !hostname.isEmpty, !seen.contains(.uts) {
            throw .invalidArgument("hostname: setting it needs a uts namespace in linux.namespaces")
        }
        if let domainname = spec.domainname, !domainname.isEmpty, !seen.contains(.uts) {
            throw .invalidArgument("domainname: setting it needs a uts namespace in linux.namespaces")
        }
        if let path = linux.cgroupsPath, path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) {
            throw .invalidArgument("linux.cgroupsPath \(path.quoted): must not contain '.' or '..'")
        }
    }

    /// A new user namespace has both maps, each a list of ranges the kernel takes; maps without
    /// one are a mistake. Joining other namespaces by path from inside a new one is refused: the
    /// init, root of the new namespace only, may not enter those the host's namespace owns.
    static func checkUserNamespace(_ linux: OCI.Linux, namespaces: [OCI.Namespace]) throws(BerthError) {
        let newUser = namespaces.contains { $0.type == .user && $0.path == nil }
        for (field, maps) in [("uidMappings", linux.uidMappings), ("gidMappings", linux.gidMappings)] {
            let maps = maps ?? []
            if !newUser {
                if !maps.isEmpty { throw .invalidArgument("linux.\(field): needs a user namespace in linux.namespaces") }
                continue
            }
            if maps.isEmpty { throw .invalidArgument("linux.\(field): a user namespace needs at least one mapping") }
            if maps.count > LaunchPlan.maximumIDMappings {
                throw .invalidArgument("linux.\(field): \(maps.count) mappings, more than the kernel takes (\(LaunchPlan.maximumIDMappings))")
            }
            for (i, m) in maps.enumerated() {
                let top = UInt64(UInt32.max) + 1
                if m.size == 0 || UInt64(m.containerID) + UInt64(m.size) > top || UInt64(m.hostID) + UInt64(m.size) > top {
                    throw .invalidArgument("linux.\(field)[\(i)]: size must be at least 1 and the range within 32-bit ids")
                }
            }
        }
        if newUser, let joined = namespaces.first(where: { $0.path != nil && $0.type != .user }) {
            throw .unsupported("linux.namespaces: joining the \(joined.type.rawValue) namespace by path together with a new user namespace is not supported by berth-runc")
        }
    }
}
