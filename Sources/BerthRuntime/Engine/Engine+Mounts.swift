import BerthOCI
import BerthOS

extension Engine {
    /// The user's mounts as OCI mounts, host sides checked (and for `-v` created), before anything
    /// of the container is written: one target per mount, binds through `BindSource`.
    func prepareMounts(_ request: ContainerRequest) throws -> [OCI.Mount] {
        if let shm = request.shmSize, shm <= 0 {
            throw BerthError.invalidArgument("invalid --shm-size \(shm): it must be greater than 0")
        }
        var targets: Set<String> = []
        var out: [OCI.Mount] = []
        for m in request.mounts {
            // Stored requests (service templates) are checked again: they may have been edited.
            let target = try MountTarget.validate(m.target)
            guard targets.insert(target).inserted else {
                throw BerthError.invalidArgument("duplicate mount point: \(target.quoted)")
            }
            var checked = m
            checked.target = target
            switch m.kind {
            case .bind:
                out.append(MountSpec.oci(checked, hostPath: try BindSource.prepare(m.source, create: m.createSource)))
            case .tmpfs:
                for o in m.tmpfsOptions where !TmpfsOptions.isAllowed(o) {
                    throw BerthError.invalidArgument("invalid tmpfs option \(o.quoted) for \(target.quoted)")
                }
                out.append(MountSpec.oci(checked, hostPath: ""))
            case .volume:
                throw BerthError.unsupported("volumes are not supported yet: bind a host directory (-v /host/path:\(target))")
            }
        }
        return out
    }
}
