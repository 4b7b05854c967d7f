import BerthOCI
import BerthOS
import Foundation

/// A bundle's spec → the shim's launch plan in OCI mode. `PlanBuilder` does the shared part
/// (mounts, devices, capabilities, rlimits, sysctl, masked and read-only paths); this sets what
/// differs from a Berth container: the spec's defaults rather than docker's (no seccomp filter
/// unless `linux.seccomp` asks for one, noNewPrivileges false unless set), the terminal, oomScoreAdj and umask.
enum RuncPlan {
    static func make(spec: OCI.Spec, id: String, bundle: String, paths: RuncPaths, cgroups: CgroupPaths,
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
        plan.oci?.hooks = shimHooks(spec.hooks)
        if let path = linux.seccomp?.listenerPath, plan.seccomp.map({ $0.flags & SeccompNames.newListenerFlag != 0 }) == true {
            plan.oci?.seccompListener = .init(path: path, head: try listenerHead(metadata: linux.seccomp?.listenerMetadata ?? ""))
        }
        if !(plan.oci?.hooks ?? []).isEmpty || plan.oci?.seccompListener != nil {
            plan.oci?.ociState = try ociState(id: id, bundle: bundle, annotations: spec.annotations)
        }
        plan.noNewPrivileges = process.noNewPrivileges ?? false
        plan.tty = process.terminal == true
        plan.oomScoreAdj = process.oomScoreAdj
        plan.umask = process.user.umask
        // Namespaces given by path are joined (oci.c), the others made new.
        let joined = (linux.namespaces ?? []).compactMap { ns in ns.path.map { (ns.type.rawValue, $0) } }
        plan.namespacePaths = joined
        plan.namespaces.removeAll { type in joined.contains { $0.0 == type } }
        if plan.namespaces.contains(OCI.NamespaceType.user.rawValue) {
            plan.uidMappings = linux.uidMappings ?? []
            plan.gidMappings = linux.gidMappings ?? []
        }
        return plan
    }

    /// The hooks the shim runs, in the spec's order of stages and the bundle's within each.
    static func shimHooks(_ hooks: OCI.Hooks?) -> [LaunchPlan.OCIRuntime.Hook] {
        guard let hooks else { return [] }
        let stages: [(LaunchPlan.OCIRuntime.Hook.Stage, [OCI.Hook]?)] = [
            (.prestart, hooks.prestart), (.createRuntime, hooks.createRuntime),
            (.createContainer, hooks.createContainer), (.startContainer, hooks.startContainer),
        ]
        return stages.flatMap { stage, list in
            (list ?? []).map { h in
                LaunchPlan.OCIRuntime.Hook(stage: stage, path: h.path, args: h.args ?? [], env: h.env ?? [],
                                           timeout: h.timeout ?? 0)
            }
        }
    }

    /// The container process state's members that the shim does not write: `"ociVersion":…,
    /// "fds":["seccompFd"],"metadata":…` (config-linux.md, "listenerPath").
    static func listenerHead(metadata: String) throws -> String {
        struct Head: Encodable {
            var ociVersion: String
            var fds: [String]
            var metadata: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(Head(ociVersion: OCI.Spec.version, fds: ["seccompFd"], metadata: metadata)),
                          as: UTF8.self)
        return String(json.dropFirst().dropLast())
    }

    /// The spec's state less status and pid (the shim adds them), as JSON after its first `{`.
    static func ociState(id: String, bundle: String, annotations: [String: String]?) throws -> String {
        struct Rest: Encodable {
            var ociVersion: String
            var id: String
            var bundle: String
            var annotations: [String: String]?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(Rest(ociVersion: OCI.Spec.version, id: id, bundle: bundle,
                                                             annotations: annotations)), as: UTF8.self)
        return String(json.dropFirst())
    }
}
