import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads the containers of one runc-style state root (`berth top --runc-root DIR`). The root
/// belongs to another engine: nothing here writes to it, and what it holds is read as untrusted
/// (names validated, no symlink followed at the last step, files capped in size).
public struct RuntimeRootReader: Sendable {
    public let root: String
    /// runc's state.json holds the whole libcontainer config, crun's config.json the whole spec:
    /// tens of KiB; anything past this is not a state file.
    static let stateLimit = 4 << 20

    /// `root` must be an existing directory (an absolute path, so the dashboard's rows name it
    /// unambiguously).
    public init(root: String) throws {
        guard root.hasPrefix("/") else {
            throw BerthError.invalidArgument("--runc-root \(root.quoted): give an absolute path (e.g. /run/containerd/runc/default)")
        }
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        guard KernelFile.isDirectory(r) else {
            throw BerthError.invalidArgument("--runc-root \(root.quoted): no such directory")
        }
        self.root = r
    }

    /// The containers whose state file reads as runc's, berth-runc's or crun's, by id; entries
    /// that are not (a create still writing, a cache directory, garbage) are left out. The format
    /// is told by the file present: `state.json` (runc, berth-runc) or `status` (crun).
    public func containers() -> [RuntimeRootContainer] {
        FileIO.entryNames(root).sorted().compactMap { id in
            guard ResourceName.isValid(id) else { return nil }
            let dir = root + "/" + id
            if let state = Self.readCapped(dir + "/state.json") {
                return RuntimeRootContainer.parse(state: state, id: id, root: root)
            }
            guard let status = Self.readCapped(dir + "/status") else { return nil }
            return RuntimeRootContainer.parse(crunStatus: status, config: Self.readCapped(dir + "/config.json"), id: id, root: root)
        }
    }

    /// The state file's text (runc's or berth-runc's state.json, crun's status), for the
    /// dashboard's inspect view.
    public func stateText(_ id: String) -> String? {
        guard ResourceName.isValid(id),
              let bytes = Self.readCapped(root + "/" + id + "/state.json") ?? Self.readCapped(root + "/" + id + "/status") else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What the bundle's config.json says that the state file does not: the command, and the
    /// network namespace (none listed: the host's; a path: joined, e.g. a pod's; else its own).
    public struct BundleSummary: Sendable, Equatable {
        public var command: [String] = []
        public var network: NetworkMode = .none
        /// The namespace joined by path, when it is.
        public var networkPath: String?
    }

    /// nil when the bundle is gone or unreadable.
    public static func summary(bundle: String) -> BundleSummary? {
        guard bundle.hasPrefix("/"), let bytes = readCapped(bundle + "/config.json"),
              let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return nil }
        var s = BundleSummary()
        s.command = ((object["process"] as? [String: Any])?["args"] as? [String]) ?? []
        let namespaces = ((object["linux"] as? [String: Any])?["namespaces"] as? [[String: Any]]) ?? []
        if let net = namespaces.first(where: { $0["type"] as? String == "network" }) {
            if let path = net["path"] as? String, !path.isEmpty { s.network = .container; s.networkPath = path }
        } else {
            s.network = .host
        }
        return s
    }

    static func readCapped(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        // A FIFO or device in a state file's place is never read (it could block or never end).
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return FileIO.readAll(fd: fd, limit: stateLimit)
    }
}
