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
        public var seccomp: Seccomp
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

    /// What `linux.seccomp` may name: the actions and operators Berth compiles, the
    /// architectures the installed libseccomp knows, the flags the shim passes to seccomp(2).
    public struct Seccomp: Codable, Sendable {
        public var enabled: Bool
        public var actions: [String]
        public var operators: [String]
        public var archs: [String]
        public var knownFlags: [String]
        public var supportedFlags: [String]

        static func current() -> Seccomp {
            let flags = SeccompNames.flags.map(\.name)
            return Seccomp(enabled: true, actions: SeccompNames.actions.map(\.name),
                           operators: SeccompNames.operators.map(\.name), archs: SeccompCompiler.supportedArchitectures(),
                           knownFlags: flags, supportedFlags: flags)
        }
    }

    public static func current() -> RuncFeatures {
        let no = Enabled(enabled: false)
        // The time namespace is refused at create (RuncBundle); a user namespace is made, not joined.
        let namespaces: [OCI.NamespaceType] = [.cgroup, .ipc, .mount, .network, .pid, .user, .uts]
        return RuncFeatures(
            ociVersionMin: "1.0.0", ociVersionMax: OCI.Spec.version, hooks: ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
            mountOptions: MountOptions.flagNames,
            linux: Linux(namespaces: namespaces.map(\.rawValue), capabilities: LinuxCapability.allCases.map(\.name),
                         cgroup: Cgroup(v1: true, v2: true, systemd: false, systemdUser: false),
                         seccomp: .current(), apparmor: no, selinux: no, intelRdt: no),
            annotations: ["io.github.berth.runtime": "berth-runc", "io.github.berth.version": Engine.version,
                          // The spec's document has no key for it: linux.resources.devices is enforced.
                          "io.github.berth.devices": "linux.resources.devices: cgroup v1 devices controller, cgroup v2 BPF_CGROUP_DEVICE program"])
    }
}
