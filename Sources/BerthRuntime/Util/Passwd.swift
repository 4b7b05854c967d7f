/// One line of `/etc/passwd`: `name:password:uid:gid:gecos:home:shell`.
public struct PasswdEntry: Equatable, Sendable {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    public var home: String
    public var shell: String

    public init(name: String, uid: UInt32, gid: UInt32, home: String, shell: String) {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.home = home
        self.shell = shell
    }

    /// Skips comments, blank and malformed lines rather than failing: images ship odd files, and one
    /// bad line must not stop a container whose user is on another.
    public static func parseFile(_ text: String) -> [PasswdEntry] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 4, !fields[0].isEmpty,
                  let uid = UInt32(fields[2]), let gid = UInt32(fields[3]) else { return nil }
            return PasswdEntry(name: String(fields[0]), uid: uid, gid: gid,
                               home: fields.count > 5 ? String(fields[5]) : "",
                               shell: fields.count > 6 ? String(fields[6]) : "")
        }
    }
}

/// One line of `/etc/group`: `name:password:gid:member,member`.
public struct GroupEntry: Equatable, Sendable {
    public var name: String
    public var gid: UInt32
    public var members: [String]

    public init(name: String, gid: UInt32, members: [String]) {
        self.name = name
        self.gid = gid
        self.members = members
    }

    public static func parseFile(_ text: String) -> [GroupEntry] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 3, !fields[0].isEmpty, let gid = UInt32(fields[2]) else { return nil }
            let members = fields.count > 3 ? fields[3].split(separator: ",").map { String($0) } : []
            return GroupEntry(name: String(fields[0]), gid: gid, members: members)
        }
    }
}
