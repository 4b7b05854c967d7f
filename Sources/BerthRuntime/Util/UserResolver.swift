import BerthOS
import Foundation

/// The identity a container's process runs as, resolved from `-u/--user` and the image's files.
public struct ResolvedUser: Equatable, Sendable {
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups: those listing the user by name, only when no group was given, as runc does.
    public var additionalGids: [UInt32]
    public var home: String

    public init(uid: UInt32, gid: UInt32, additionalGids: [UInt32] = [], home: String = "/") {
        self.uid = uid
        self.gid = gid
        self.additionalGids = additionalGids
        self.home = home
    }

    public static let root = ResolvedUser(uid: 0, gid: 0)
}

/// Resolves "uid", "uid:gid", "name", "name:group", "name:gid", "uid:group" the way runc's
/// `GetExecUser` does, so an image behaves the same under Berth as under docker.
public enum UserResolver {
    /// Ids above this are rejected, as runc does: they collide with the kernel's "no id" (-1) and
    /// with negative values in the interfaces that take signed ids.
    public static let maximumID: UInt32 = UInt32(Int32.max)

    /// `passwd` and `group` are the files' contents; `nil` when the image has none, which is fine as long
    /// as every part of `spec` is numeric.
    public static func resolve(_ spec: String, passwd: String?, group: String?) throws(BerthError) -> ResolvedUser {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userPart = parts[0]
        let groupPart = parts.count > 1 ? parts[1] : nil
        if userPart.isEmpty && groupPart == nil { return .root }
        if groupPart?.isEmpty == true {
            throw .invalidArgument("invalid user \(spec.quoted): the group after ':' is empty")
        }

        let users = PasswdEntry.parseFile(passwd ?? "")
        let numericUID = try numericID(userPart, kind: "user")
        // A numeric argument matches by uid; names may themselves look numeric only if no uid matches.
        let entry = numericUID.flatMap { uid in users.first { $0.uid == uid } }
            ?? users.first { $0.name == userPart }
        var result = ResolvedUser.root
        if let entry {
            result = ResolvedUser(uid: entry.uid, gid: entry.gid, home: entry.home.isEmpty ? "/" : entry.home)
        } else if let numericUID {
            result.uid = numericUID
        } else if userPart.isEmpty {
            result.uid = 0
        } else {
            throw .invalidArgument("unable to find user \(Quoted.escapeControls(String(userPart))): no matching entries in passwd file")
        }

        let groups = GroupEntry.parseFile(group ?? "")
        if let groupPart {
            let numericGID = try numericID(groupPart, kind: "group")
            if let match = numericGID.flatMap({ gid in groups.first { $0.gid == gid } })
                ?? groups.first(where: { $0.name == groupPart }) {
                result.gid = match.gid
            } else if let numericGID {
                result.gid = numericGID
            } else {
                throw .invalidArgument("unable to find group \(Quoted.escapeControls(String(groupPart))): no matching entries in group file")
            }
        } else if let entry {
            result.additionalGids = groups.filter { $0.members.contains(entry.name) }.map(\.gid)
        }
        return result
    }

    /// Reads `/etc/passwd` and `/etc/group` from a running container's root (`/proc/PID/root`),
    /// resolved inside it, never through the host's (`InRoot`); a missing file counts as empty.
    public static func resolve(_ spec: String, root: String) throws(BerthError) -> ResolvedUser {
        func file(_ path: String) -> String? {
            InRoot.readFile(root: root, path: path).map { String(decoding: $0, as: UTF8.self) }
        }
        return try resolve(spec, passwd: file("/etc/passwd"), group: file("/etc/group"))
    }

    /// Reads `/etc/passwd` and `/etc/group` as the container will see them in an image's layers
    /// (`LayeredRoot`: whiteouts, opaque directories and symlinks between layers as overlayfs has them).
    public static func resolve(_ spec: String, layers: LayeredRoot) throws(BerthError) -> ResolvedUser {
        func file(_ path: String) -> String? {
            layers.readFile(path).map { String(decoding: $0, as: UTF8.self) }
        }
        return try resolve(spec, passwd: file("/etc/passwd"), group: file("/etc/group"))
    }

    /// `nil` for a name, an error for a number out of range, so "99999999999" is not taken for a name.
    private static func numericID(_ text: String, kind: String) throws(BerthError) -> UInt32? {
        guard !text.isEmpty, text.allSatisfy(\.isASCIIDigit) else { return nil }
        guard let value = UInt32(text), value <= maximumID else {
            throw .invalidArgument("invalid \(kind) id \(text.quoted): must be between 0 and \(maximumID)")
        }
        return value
    }
}
