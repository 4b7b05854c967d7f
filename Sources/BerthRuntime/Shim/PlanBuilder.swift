import BerthOCI
import BerthOS
import Foundation

/// Derives the shim's launch plan from a container's OCI spec plus what only the engine knows
/// at start time: its directories, cgroup files and restart policy.
public enum PlanBuilder {
    public static func plan(spec: OCI.Spec, id: String, paths: ContainerPaths, cgroups: CgroupPaths,
                            restart: RestartPolicy, onExit: [String], seccompCache: SeccompCache? = nil) throws -> LaunchPlan {
        guard let process = spec.process, let args = process.args, !args.isEmpty else {
            throw BerthError.invalidArgument("no command specified: the image has no Cmd or Entrypoint; give one after the image name")
        }
        guard let root = spec.root else { throw BerthError.corruptState("config.json of \(id) has no root") }
        let linux = spec.linux ?? OCI.Linux()
        let namespaces = (linux.namespaces ?? []).map(\.type.rawValue)
        guard namespaces.contains("mount") else {
            throw BerthError.unsupported("a container without a mount namespace is not supported")
        }

        var mounts: [LaunchPlan.Mount] = []
        if let overlay = spec.annotations?[ContainerSpecBuilder.overlayAnnotation] {
            // The root itself, mounted inside the container's mount namespace so the host never sees it.
            mounts.append(.init(type: "overlay", source: "overlay", destination: "/", flags: MountOptions.noDev, data: overlay))
        } else {
            mounts.append(.init(type: "bind", source: root.path, destination: "/",
                                flags: MountOptions.bind | MountOptions.recursive, data: ""))
        }
        for m in spec.mounts ?? [] {
            var (flags, data) = MountOptions.parse(m.options ?? [])
            var type = m.type ?? "none"
            if type == "bind" { flags |= MountOptions.bind }
            if flags & MountOptions.bind != 0 { type = "none" }
            // Propagation flags stay: the shim applies them in a separate call after the mount.
            mounts.append(.init(type: type, source: m.source ?? type, destination: m.destination, flags: flags, data: data))
        }
        let devices = (linux.devices ?? []).map {
            LaunchPlan.Device(path: $0.path, kind: $0.type == "b" ? "b" : "c", major: UInt32($0.major),
                              minor: UInt32($0.minor), mode: ($0.fileMode ?? 0o666) & 0o7777)
        }
        let symlinks: [(String, String)] = [
            ("/proc/self/fd", "/dev/fd"), ("/proc/self/fd/0", "/dev/stdin"), ("/proc/self/fd/1", "/dev/stdout"),
            ("/proc/self/fd/2", "/dev/stderr"), ("pts/ptmx", "/dev/ptmx"),
        ]
        let capNames = process.capabilities?.bounding ?? []
        var caps: [Int] = []
        for name in capNames {
            guard let cap = LinuxCapability(name: name) else { throw BerthError.invalidArgument("unknown capability \(name)") }
            caps.append(Int(cap.rawValue))
        }
        let (restartName, restartMax): (String, Int?) = {
            switch restart {
            case .no: return ("no", nil)
            case .always: return ("always", nil)
            case .unlessStopped: return ("unless-stopped", nil)
            case .onFailure(let n): return ("on-failure", n)
            }
        }()
        var plan = LaunchPlan(
            id: id, stateDirectory: paths.directory, logPath: paths.log, rootfs: root.path,
            namespaces: namespaces, hostname: namespaces.contains("uts") ? spec.hostname : nil,
            mounts: mounts, devices: devices, symlinks: symlinks,
            maskedPaths: linux.maskedPaths ?? [], readonlyPaths: linux.readonlyPaths ?? [],
            args: args, env: process.env ?? [], cwd: process.cwd.isEmpty ? "/" : process.cwd,
            uid: process.user.uid, gid: process.user.gid, additionalGids: process.user.additionalGids ?? [],
            capabilities: caps, noNewPrivileges: process.noNewPrivileges ?? true,
            cgroupProcsFiles: cgroups.procsFiles, oomCounterFile: cgroups.oomCounterFile,
            restart: restartName, restartMax: restartMax, onExit: onExit)
        let annotations = spec.annotations ?? [:]
        plan.seccomp = try seccompFilter(linux.seccomp, cache: seccompCache)
        plan.initProcess = annotations[SpecExtras.Annotation.initProcess] == "true"
        plan.oomScoreAdj = process.oomScoreAdj
        if namespaces.contains("uts"), let d = spec.domainname, !d.isEmpty { plan.domainname = d }
        plan.rlimits = try (process.rlimits ?? []).map { r in
            guard let number = RunOptionRules.rlimitNumber(ociName: r.type) else {
                throw BerthError.invalidArgument("config.json of \(id) names an unknown rlimit \(r.type.quoted)")
            }
            return LaunchPlan.Rlimit(resource: number, soft: r.soft, hard: r.hard)
        }
        let network: NetworkMode = namespaces.contains("network") ? .bridge : .host
        plan.sysctls = try (linux.sysctl ?? [:]).sorted { $0.key < $1.key }.map { key, value in
            // config.json may have been edited: the same rule as at create.
            try RunOptionRules.checkSysctl(key, value, network: network)
            return (key, value)
        }
        plan.rootReadonly = root.readonly == true
        if let json = annotations[SpecExtras.Annotation.healthcheck] {
            guard let config = try? JSONDecoder().decode(HealthConfig.self, from: Data(json.utf8)) else {
                throw BerthError.corruptState("config.json of \(id) has a healthcheck that does not decode")
            }
            // config.json may have been edited: the same rule as at create.
            try HealthConfig.check(config)
            plan.health = LaunchPlan.Health(config)
        }
        return plan
    }

    /// `linux.seccomp` compiled for the shim; nil without one (`--privileged`, `seccomp=unconfined`).
    /// A profile Berth cannot compile is refused with its field named.
    public static func seccompFilter(_ seccomp: OCI.Seccomp?, cache: SeccompCache? = nil) throws(BerthError) -> SeccompFilter? {
        guard let seccomp else { return nil }
        do {
            if let cache { return try cache.filter(for: seccomp) }
            return try SeccompCompiler.compile(seccomp)
        } catch {
            throw .seccomp(error, in: "linux.seccomp.")
        }
    }
}
