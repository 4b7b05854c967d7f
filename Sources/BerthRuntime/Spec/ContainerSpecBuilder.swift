import BerthOCI
import BerthOS
import Foundation

/// Translates what a container runs with, and its record, into the OCI runtime spec kept as the
/// container's `config.json`: the one stored copy of its process, hostname and limits. The launch
/// plan and the cgroup limits are derived from that spec, not from the record, so a runc-compatible
/// front end can feed its own spec to the same engine, and an edited config.json takes effect at start.
public enum ContainerSpecBuilder {
    /// Annotation holding the overlay mount data (lowerdir/upperdir/workdir) of the root.
    public static let overlayAnnotation = "io.berth.rootfs.overlay"

    /// What the container runs with, resolved from the request and the image by `Engine.create`.
    public struct Settings: Sendable {
        public var args: [String]
        public var env: [String]
        public var workingDir: String
        public var user: ResolvedUser
        public var hostname: String
        public var terminal: Bool
        public var limits: ResourceLimits
        /// The user's mounts, host sides ready (`MountSpec.oci`).
        public var mounts: [OCI.Mount] = []
        public var readOnlyRoot = false
        public var shmSize: Int64?
        /// `RunOptions` as resolved by `Engine.create`.
        public var extras: SpecExtras

        public init(args: [String], env: [String], workingDir: String, user: ResolvedUser, hostname: String,
                    terminal: Bool, limits: ResourceLimits, extras: SpecExtras = SpecExtras()) {
            self.args = args; self.env = env; self.workingDir = workingDir; self.user = user
            self.hostname = hostname; self.terminal = terminal; self.limits = limits; self.extras = extras
        }
    }

    public static func build(record: ContainerRecord, settings: Settings, paths: ContainerPaths,
                             layerDirectories: [String], cgroupVersion: CgroupVersion?) -> OCI.Spec {
        var namespaces: [OCI.Namespace] = [.init(type: .pid), .init(type: .ipc), .init(type: .uts), .init(type: .mount)]
        // `container:NAME` joins the other's namespace at each start (`LaunchPlan.joinNetwork`):
        // its init changes at every start, so no path to it is stored here.
        if record.network != .host && record.network != .container { namespaces.append(.init(type: .network)) }
        namespaces.append(.init(type: .cgroup))

        var mounts = DefaultSpec.mounts.filter { $0.type != "cgroup" && $0.type != "cgroup2" }
        if cgroupVersion == .v2 {
            // With a cgroup namespace rooted at the container's cgroup, the container sees only its own tree.
            mounts.append(OCI.Mount(destination: "/sys/fs/cgroup", type: "cgroup2", source: "cgroup",
                                    options: ["ro", "nosuid", "noexec", "nodev", "relatime"]))
        }
        for (dest, src) in [("/etc/hosts", paths.hosts), ("/etc/hostname", paths.hostname), ("/etc/resolv.conf", paths.resolvConf)] {
            mounts.append(OCI.Mount(destination: dest, type: "bind", source: src, options: ["rbind", "rprivate"]))
        }
        mounts = MountSpec.merge(defaults: mounts, user: settings.mounts, shmSize: settings.shmSize)
        let caps = DefaultSpec.capabilityNames
        let user = settings.user
        let process = OCI.Process(
            terminal: settings.terminal,
            user: OCI.User(uid: user.uid, gid: user.gid, additionalGids: user.additionalGids.isEmpty ? nil : user.additionalGids),
            args: settings.args,
            env: settings.env,
            cwd: settings.workingDir.isEmpty ? "/" : settings.workingDir,
            capabilities: OCI.Capabilities(bounding: caps, effective: caps, permitted: caps),
            noNewPrivileges: true)
        let resources = OCI.Resources(settings.limits)
        let lower = layerDirectories.reversed().joined(separator: ":")
        var spec = OCI.Spec(
            process: process,
            root: OCI.Root(path: paths.rootfs, readonly: settings.readOnlyRoot),
            hostname: settings.hostname,
            mounts: mounts,
            linux: OCI.Linux(namespaces: namespaces, resources: resources,
                             cgroupsPath: (record.cgroupParent ?? "berth") + "/" + record.id,
                             maskedPaths: DefaultSpec.maskedPaths, readonlyPaths: DefaultSpec.readonlyPaths,
                             devices: DefaultSpec.devices),
            annotations: [overlayAnnotation: "lowerdir=\(lower),upperdir=\(paths.upper),workdir=\(paths.work)"])
        settings.extras.apply(to: &spec)
        return spec
    }
}
