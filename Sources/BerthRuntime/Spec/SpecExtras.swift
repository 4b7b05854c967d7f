import BerthOCI
import BerthOS

/// What `RunOptions` adds to a container's config.json once `Engine.create` has resolved it against
/// the host and the image (capability names, device numbers, group ids). The runtime-spec fields
/// carry what the spec has (capabilities, rlimits, sysctl, devices, noNewPrivileges); Berth's own
/// annotations (`Annotation`) carry the rest, so config.json stays the one record of both.
public struct SpecExtras: Sendable, Equatable {
    /// Berth's annotations in config.json, read back by `PlanBuilder` and `stop`.
    public enum Annotation {
        /// "unconfined": no seccomp filter (`--privileged`, `seccomp=unconfined`). Without it and
        /// without `linux.seccomp` (a container made before Berth wrote one) the default applies.
        public static let seccomp = "io.berth.seccomp"
        /// "true": the shim stays PID 1 as a reaping init.
        public static let initProcess = "io.berth.init"
        /// A signal number, and seconds: what `stop` without `-t` uses.
        public static let stopSignal = "io.berth.stop-signal"
        public static let stopTimeout = "io.berth.stop-timeout"
        /// `--add-host` entries, one "IP NAME" per line (both validated: no whitespace inside).
        public static let extraHosts = "io.berth.extra-hosts"
        /// `--dns` servers, one per line: where the container's DNS server forwards names it does
        /// not know (instead of the host's resolvers).
        public static let dnsServers = "io.berth.dns-servers"
        /// The healthcheck the supervisor runs (`HealthConfig` as docker's JSON, merged over the
        /// image's); absent when there is none or it is disabled.
        public static let healthcheck = "io.berth.healthcheck"
    }

    /// nil: docker's default set.
    public var capabilities: [String]?
    public var noNewPrivileges = true
    public var rlimits: [OCI.Rlimit] = []
    /// `process.oomScoreAdj`.
    public var oomScoreAdj: Int?
    /// `domainname`.
    public var domainname: String?
    public var sysctl: [String: String] = [:]
    /// Added to the default device nodes (or replacing a default of the same path).
    public var devices: [OCI.Device] = []
    /// `linux.resources.devices`: deny all, then the `--device` and `--device-cgroup-rule`
    /// entries (allow all for `--privileged`); the runtime adds docker's default set (`DeviceRules`).
    public var deviceRules: [OCI.DeviceCgroup] = [DeviceRules.denyAll.entry]
    /// Additional groups from `--group-add`, after the user's own.
    public var additionalGids: [UInt32] = []
    /// No masked or read-only paths, a writable /sys.
    public var privileged = false
    /// `linux.seccomp`, resolved for the container's capabilities; nil: no filter.
    public var seccomp: OCI.Seccomp?
    public var annotations: [String: String] = [:]

    public init() {}

    func apply(to spec: inout OCI.Spec) {
        if var process = spec.process {
            if let caps = capabilities { process.capabilities = .docker(caps) }
            process.noNewPrivileges = noNewPrivileges
            if !rlimits.isEmpty { process.rlimits = rlimits }
            if let oomScoreAdj { process.oomScoreAdj = oomScoreAdj }
            if !additionalGids.isEmpty {
                var gids = process.user.additionalGids ?? []
                for g in additionalGids where !gids.contains(g) { gids.append(g) }
                process.user.additionalGids = gids
            }
            spec.process = process
        }
        if let domainname { spec.domainname = domainname }
        var linux = spec.linux ?? OCI.Linux()
        if !sysctl.isEmpty { linux.sysctl = sysctl }
        linux.seccomp = seccomp
        if !devices.isEmpty {
            let paths = Set(devices.map(\.path))
            linux.devices = (linux.devices ?? []).filter { !paths.contains($0.path) } + devices
        }
        var resources = linux.resources ?? OCI.Resources()
        resources.devices = deviceRules
        linux.resources = resources
        if privileged {
            linux.maskedPaths = []
            linux.readonlyPaths = []
            spec.mounts = spec.mounts?.map { m in
                guard m.destination == "/sys" else { return m }
                var rw = m
                rw.options = m.options?.filter { $0 != "ro" }
                return rw
            }
        }
        spec.linux = linux
        if !annotations.isEmpty { spec.annotations = (spec.annotations ?? [:]).merging(annotations) { $1 } }
    }
}
