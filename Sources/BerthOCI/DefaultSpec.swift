/// docker's defaults for a new container, as data. The engine copies these into each `OCI.Spec` and
/// then applies the user's flags, so changing a default means changing one line here.
public enum DefaultSpec {
    /// docker's default set minus `CAP_MKNOD`. The devices cgroup (`DeviceRules`) stops a container
    /// from opening a node it makes, as docker's does; MKNOD stays out as a second wall (most
    /// programs never make nodes). `--cap-add MKNOD` gives it, still bound by the devices cgroup.
    public static let capabilities: [LinuxCapability] = [
        .chown, .dacOverride, .fsetid, .fowner, .netRaw, .setgid, .setuid, .setfcap, .setpcap,
        .netBindService, .sysChroot, .kill, .auditWrite,
    ]

    /// `capabilities` as the runtime-spec's names.
    public static var capabilityNames: [String] { capabilities.map(\.name) }

    /// Paths the shim hides (bind /dev/null over files, an empty read-only tmpfs over directories):
    /// they leak host information or let a container poke kernel internals.
    public static let maskedPaths = [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
        "/sys/devices/virtual/powercap",
    ]

    /// Paths the shim remounts read-only: writing them would change the host's kernel settings.
    public static let readonlyPaths = [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ]

    /// docker's mounts, in mount order (`/dev` before what lives in it). The cgroup entry says "cgroup";
    /// the shim chooses cgroup v1 or cgroup2 when it mounts it, depending on the host.
    public static let mounts: [OCI.Mount] = [
        OCI.Mount(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
        OCI.Mount(destination: "/dev", type: "tmpfs", source: "tmpfs",
                  options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        OCI.Mount(destination: "/dev/pts", type: "devpts", source: "devpts",
                  options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        OCI.Mount(destination: "/dev/shm", type: "tmpfs", source: "shm",
                  options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        OCI.Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue",
                  options: ["nosuid", "noexec", "nodev"]),
        OCI.Mount(destination: "/sys", type: "sysfs", source: "sysfs",
                  options: ["nosuid", "noexec", "nodev", "ro"]),
        OCI.Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                  options: ["ro", "nosuid", "noexec", "nodev", "relatime"]),
    ]

    /// The only device nodes a container gets: busybox and most programs need nothing else.
    public static let devices: [OCI.Device] = [
        charDevice("/dev/null", 1, 3),
        charDevice("/dev/zero", 1, 5),
        charDevice("/dev/full", 1, 7),
        charDevice("/dev/random", 1, 8),
        charDevice("/dev/urandom", 1, 9),
        charDevice("/dev/tty", 5, 0),
    ]

    /// Used when the image sets no PATH, as docker does.
    public static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    public static let env = ["PATH=" + path]

    /// The namespaces of a container on the default (bridge) network.
    public static let namespaces: [OCI.NamespaceType] = [.pid, .network, .ipc, .uts, .mount]

    private static func charDevice(_ path: String, _ major: Int64, _ minor: Int64) -> OCI.Device {
        OCI.Device(path: path, type: "c", major: major, minor: minor, fileMode: 0o666, uid: 0, gid: 0)
    }
}
