/// Where Berth's cgroups go in one hierarchy: below an anchor that exists and is not Berth's, a chain
/// of directories ending in Berth's base, under which each container gets `<base>/<id>`.
public struct CgroupPlacement: Sendable, Equatable {
    /// Never created or removed by Berth: the current cgroup, or the hierarchy's root for an absolute parent.
    var anchor: String
    /// From just below the anchor down to the base, outermost first; never empty.
    var chain: [String]

    var base: String { chain[chain.count - 1] }

    func leaf(_ id: String) -> String { base + "/" + id }

    /// `parent`: nil = "<current cgroup>/berth"; relative = below the current cgroup; absolute = that cgroup
    /// of the hierarchy (docker's --cgroup-parent).
    static func resolve(_ hierarchy: CgroupHierarchy, parent: String?) throws -> CgroupPlacement {
        let parent = parent ?? "berth"
        let anchorPath = parent.hasPrefix("/") ? hierarchy.mountRoot : hierarchy.currentPath
        guard let anchor = hierarchy.directory(of: anchorPath) else {
            throw BerthError.unsupported("the cgroup \(anchorPath) is outside the mounted hierarchy at \(hierarchy.mountPoint)")
        }
        var relative = Substring(parent)
        if parent.hasPrefix("/") {
            guard let dir = hierarchy.directory(of: parent) else {
                throw BerthError.invalidArgument("cgroup parent \(parent) is outside the hierarchy mounted at \(hierarchy.mountPoint) (root \(hierarchy.mountRoot))")
            }
            relative = dir.dropFirst(anchor.count)
        }
        let components = relative.split(separator: "/")
        guard !components.isEmpty else {
            throw BerthError.invalidArgument("cgroup parent \(parent) is a hierarchy's root; Berth only creates cgroups below a parent of its own")
        }
        for c in components where c == "." || c == ".." {
            throw BerthError.invalidArgument("cgroup parent \(parent) must not contain '.' or '..'")
        }
        var chain: [String] = []
        var dir = anchor
        for c in components {
            dir += "/" + c
            chain.append(dir)
        }
        return CgroupPlacement(anchor: anchor, chain: chain)
    }

    /// Container ids become directory names: one path component, nothing the kernel would read as a file.
    public static func validate(id: String) throws {
        guard !id.isEmpty, id != ".", id != "..", !id.contains("/"), !id.hasPrefix("cgroup."),
              id.utf8.count <= 255 else {
            throw BerthError.invalidArgument("invalid container id for a cgroup: '\(id)'")
        }
    }
}
