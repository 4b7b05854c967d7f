import BerthOCI
import BerthOS

/// A bundle's spec → the shim's launch plan in OCI mode. `PlanBuilder` does the shared part
/// (mounts, devices, capabilities, rlimits, sysctl, masked and read-only paths); this sets what
/// differs from a Berth container: the spec's defaults rather than docker's (no seccomp filter
/// unless `linux.seccomp` asks for one, noNewPrivileges false unless set), the terminal, oomScoreAdj and umask.
enum RuncPlan {
    static func make(spec: OCI.Spec, id: String, paths: RuncPaths, cgroups: CgroupPaths,
                     consoleSocket: String?, seccompCache: SeccompCache? = nil) throws -> LaunchPlan {
        var spec = spec
        var linux = spec.linux ?? OCI.Linux()
        // runc makes the standard nodes whatever the bundle lists: so do we, unless listed.
        let listed = Set((linux.devices ?? []).map(\.path))
        linux.devices = (linux.devices ?? []) + DefaultSpec.devices.filter { !listed.contains($0.path) }
        spec.linux = linux
        var plan = try PlanBuilder.plan(spec: spec, id: id, paths: ContainerPaths(directory: paths.directory),
                                        cgroups: cgroups, restart: .no, onExit: [], seccompCache: seccompCache)
        let process = spec.process ?? OCI.Process()
        plan.oci = LaunchPlan.OCIRuntime(consoleSocket: consoleSocket)
        plan.noNewPrivileges = process.noNewPrivileges ?? false
        plan.tty = process.terminal == true
        plan.oomScoreAdj = process.oomScoreAdj
        plan.umask = process.user.umask
        // Namespaces given by path are joined (oci.c), the others made new.
        let joined = (linux.namespaces ?? []).compactMap { ns in ns.path.map { (ns.type.rawValue, $0) } }
        plan.namespacePaths = joined
        plan.namespaces.removeAll { type in joined.contains { $0.0 == type } }
        return plan
    }
}
