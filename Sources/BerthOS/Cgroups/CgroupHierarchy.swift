/// One mounted cgroup hierarchy as this process sees it.
struct CgroupHierarchy: Sendable, Equatable {
    /// v1 controllers ("cpu", "cpuacct"); empty for v2.
    var controllers: [String]
    var mountPoint: String
    /// The cgroup mounted at `mountPoint` (mountinfo's root field): "/" on a host, a sub-cgroup when
    /// a container runtime bind-mounted only part of the hierarchy.
    var mountRoot: String
    /// This process's cgroup (from /proc/self/cgroup), relative to the hierarchy's root.
    var currentPath: String

    init(controllers: [String], mountPoint: String, mountRoot: String, currentPath: String) {
        self.controllers = controllers; self.mountPoint = mountPoint; self.mountRoot = mountRoot
        self.currentPath = currentPath
    }

    /// The directory of cgroup `path`; nil when the path is outside the mounted part of the hierarchy.
    func directory(of path: String) -> String? {
        let relative: Substring
        if mountRoot == "/" {
            relative = Substring(path)
        } else if path == mountRoot {
            relative = ""
        } else if path.hasPrefix(mountRoot + "/") {
            relative = path.dropFirst(mountRoot.count)
        } else {
            return nil
        }
        let trimmed = relative.drop(while: { $0 == "/" })
        return trimmed.isEmpty ? mountPoint : mountPoint + "/" + trimmed
    }

    func has(_ controller: String) -> Bool { controllers.contains(controller) }
}
