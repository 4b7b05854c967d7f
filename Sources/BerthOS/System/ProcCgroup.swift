/// One line of /proc/<pid>/cgroup: "hierarchy-ID:controller-list:cgroup-path".
public struct ProcCgroupEntry: Sendable, Equatable {
    public var hierarchyID: Int
    /// v1 controllers of the hierarchy ("cpu", "cpuacct", "name=systemd"); empty for the v2 line "0::/path".
    public var controllers: [String]
    /// The process's cgroup, relative to the hierarchy's root (or to the cgroup namespace's root).
    public var path: String

    public init(hierarchyID: Int, controllers: [String], path: String) {
        self.hierarchyID = hierarchyID; self.controllers = controllers; self.path = path
    }

    /// The cgroup v2 (unified) line.
    public var isUnified: Bool { hierarchyID == 0 && controllers.isEmpty }
}

public enum ProcCgroup {
    public static func parse(_ text: String) -> [ProcCgroupEntry] {
        StatText.lines(text).compactMap { line in
            // The path may itself contain ':', so split only twice.
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let id = Int(parts[0]) else { return nil }
            let controllers = parts[1].split(separator: ",").map(String.init)
            return ProcCgroupEntry(hierarchyID: id, controllers: controllers, path: String(parts[2]))
        }
    }
}
