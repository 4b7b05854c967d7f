import BerthOCI
import BerthOS

/// The runtime-spec's features document (`berth-runc features`): only what `create` applies.
public struct RuncFeatures: Codable, Sendable {
    public var ociVersionMin: String
    public var ociVersionMax: String
    public var hooks: [String]
    public var mountOptions: [String]
    public var linux: Linux
    public var annotations: [String: String]

    public struct Linux: Codable, Sendable {
        public var namespaces: [String]
        public var capabilities: [String]
        public var cgroup: Cgroup
        public var seccomp: Enabled
        public var apparmor: Enabled
        public var selinux: Enabled
        public var intelRdt: Enabled
    }

    public struct Cgroup: Codable, Sendable {
        public var v1: Bool
        public var v2: Bool
        public var systemd: Bool
        public var systemdUser: Bool
    }

    public struct Enabled: Codable, Sendable {
        public var enabled: Bool
    }

    public static func current() -> RuncFeatures {
        let no = Enabled(enabled: false)
        // Joining by path, user and time namespaces are refused at create (RuncBundle).
        let namespaces: [OCI.NamespaceType] = [.cgroup, .ipc, .mount, .network, .pid, .uts]
        return RuncFeatures(
            ociVersionMin: "1.0.0", ociVersionMax: OCI.Spec.version, hooks: ["prestart", "createRuntime", "poststart", "poststop"],
            mountOptions: MountOptions.flagNames,
            linux: Linux(namespaces: namespaces.map(\.rawValue), capabilities: LinuxCapability.allCases.map(\.name),
                         cgroup: Cgroup(v1: true, v2: true, systemd: false, systemdUser: false),
                         seccomp: no, apparmor: no, selinux: no, intelRdt: no),
            annotations: ["io.github.berth.runtime": "berth-runc", "io.github.berth.version": Engine.version])
    }
}
