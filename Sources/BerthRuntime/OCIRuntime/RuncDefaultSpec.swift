import BerthOCI
import BerthOS

/// The config.json `berth-runc spec` writes: runc's default bundle (a terminal running `sh`,
/// root `rootfs` read-only, three capabilities, the standard mounts, masked and read-only paths),
/// built from Berth's defaults where they are the same facts.
public enum RuncDefaultSpec {
    public static func spec() -> OCI.Spec {
        let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        let process = OCI.Process(
            terminal: true, user: OCI.User(uid: 0, gid: 0), args: ["sh"],
            env: DefaultSpec.env + ["TERM=xterm"], cwd: "/",
            capabilities: OCI.Capabilities(bounding: caps, effective: caps, permitted: caps),
            rlimits: [OCI.Rlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)],
            noNewPrivileges: true)
        let namespaces: [OCI.NamespaceType] = [.pid, .network, .ipc, .uts, .mount, .cgroup]
        var linux = OCI.Linux(namespaces: namespaces.map { OCI.Namespace(type: $0) },
                              maskedPaths: DefaultSpec.maskedPaths, readonlyPaths: DefaultSpec.readonlyPaths)
        linux.devices = nil
        // runc's: everything denied; the runtime adds the default set (`DeviceRules`).
        linux.resources = OCI.Resources(devices: [DeviceRules.denyAll.entry])
        return OCI.Spec(process: process, root: OCI.Root(path: "rootfs", readonly: true), hostname: "berth",
                        mounts: DefaultSpec.mounts, linux: linux)
    }
}
