import BerthOCI
import BerthOS

/// `MountRequest`s as the OCI spec's mounts (config.json is what the container runs with).
public enum MountSpec {
    /// The OCI mount of a request whose host side is ready: `hostPath` is the checked bind source
    /// (`BindSource.prepare`) or the volume's data directory.
    public static func oci(_ m: MountRequest, hostPath: String) -> OCI.Mount {
        let mode = m.readOnly ? "ro" : "rw"
        switch m.kind {
        case .bind, .volume:
            // docker's binds are recursive and private unless told otherwise; a volume is a bind of its directory.
            return OCI.Mount(destination: m.target, type: "bind", source: hostPath,
                             options: ["rbind", (m.propagation ?? .rprivate).rawValue, mode])
        case .tmpfs:
            return OCI.Mount(destination: m.target, type: "tmpfs", source: "tmpfs",
                             options: TmpfsOptions.defaults + m.tmpfsOptions + (m.readOnly ? ["ro"] : []))
        }
    }

    /// docker's defaults with the user's mounts: a default whose destination a user mount names is
    /// left out (`--tmpfs /dev/shm`, `-v …:/etc/hosts`), `/dev/shm` takes `shmSize`, and the user's
    /// mounts come last, parents before children.
    public static func merge(defaults: [OCI.Mount], user: [OCI.Mount], shmSize: Int64?) -> [OCI.Mount] {
        let taken = Set(user.map(\.destination))
        var out = defaults.filter { !taken.contains($0.destination) }
        if let shmSize, let i = out.firstIndex(where: { $0.destination == "/dev/shm" }) {
            out[i].options = (out[i].options ?? []).filter { !$0.hasPrefix("size=") } + ["size=\(shmSize)"]
        }
        let depth = { (m: OCI.Mount) in m.destination.split(separator: "/").count }
        let sortedUser = user.enumerated().sorted { a, b in
            depth(a.element) != depth(b.element) ? depth(a.element) < depth(b.element) : a.offset < b.offset
        }.map(\.element)
        return out + sortedUser
    }
}
