import BerthOS

/// docker's `run` flags beyond the image, command, limits and network: privileges, rlimits,
/// devices, sysctls, name resolution, stop behaviour and the init. Part of `ContainerRequest`
/// (so run, create, service templates and compose share it); `RunOptionRules` is its one
/// validator and `ContainerSpecBuilder` turns it into config.json, the source of truth.
public struct RunOptions: Codable, Sendable, Equatable {
    /// `--cap-add`/`--cap-drop`: names as docker takes them (`NET_ADMIN`, `cap_net_admin`, `ALL`).
    public var capAdd: [String] = []
    public var capDrop: [String] = []
    /// `--privileged`: every capability, no seccomp filter, the host's devices, writable /sys and /proc/sys.
    public var privileged = false
    /// `--security-opt no-new-privileges[:true|false]`; nil is Berth's default (set, unlike docker's).
    public var noNewPrivileges: Bool?
    /// `--security-opt seccomp=unconfined`.
    public var seccompUnconfined = false
    /// `--security-opt seccomp=FILE`: the profile's JSON (docker's format), read when the option
    /// is given, as docker does; nil: Berth's default profile (`SeccompDefaults`).
    public var seccompProfile: String?
    /// `--ulimit`.
    public var ulimits: [Ulimit] = []
    /// `--device HOST[:CONTAINER[:PERMS]]`.
    public var devices: [DeviceMapping] = []
    /// `--device-cgroup-rule 'c 1:3 rwm'`: more devices the container may use (docker's syntax).
    public var deviceCgroupRules: [String] = []
    /// `--sysctl KEY=VALUE`: only namespaced keys (`RunOptionRules.checkSysctl`).
    public var sysctls: [String: String] = [:]
    /// `--group-add`: group names (from the image's /etc/group) or numbers.
    public var groupAdd: [String] = []
    /// `--add-host NAME:IP`: extra /etc/hosts lines.
    public var extraHosts: [ExtraHost] = []
    /// `--dns`, `--dns-search`, `--dns-option`: the container's resolv.conf.
    public var dns: [String] = []
    public var dnsSearch: [String] = []
    public var dnsOptions: [String] = []
    /// `--stop-signal` (a name or number) and `--stop-timeout` (seconds) for `stop` without `-t`.
    public var stopSignal: String?
    public var stopTimeout: Int?
    /// `--oom-score-adj`: the container's processes' `oom_score_adj` (-1000…1000), set by its init
    /// before the command starts.
    public var oomScoreAdj: Int?
    /// `--domainname`: the NIS domain name of the container's UTS namespace.
    public var domainname: String?
    /// `--init`: a minimal init (the shim) is PID 1, reaps orphans and forwards signals.
    public var initProcess = false
    /// `--health-*`, `--no-healthcheck` (`HealthConfig.disabled`), compose `healthcheck:`; merged
    /// over the image's at create. nil: the image's.
    public var healthcheck: HealthConfig?

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case capAdd, capDrop, privileged, noNewPrivileges, seccompUnconfined, seccompProfile, ulimits, devices, deviceCgroupRules, sysctls, groupAdd
        case extraHosts, dns, dnsSearch, dnsOptions, stopSignal, stopTimeout, initProcess, healthcheck, oomScoreAdj, domainname
    }

    /// Every key optional: templates stored before a key existed still load.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        capAdd = try c.decodeIfPresent([String].self, forKey: .capAdd) ?? []
        capDrop = try c.decodeIfPresent([String].self, forKey: .capDrop) ?? []
        privileged = try c.decodeIfPresent(Bool.self, forKey: .privileged) ?? false
        noNewPrivileges = try c.decodeIfPresent(Bool.self, forKey: .noNewPrivileges)
        seccompUnconfined = try c.decodeIfPresent(Bool.self, forKey: .seccompUnconfined) ?? false
        seccompProfile = try c.decodeIfPresent(String.self, forKey: .seccompProfile)
        ulimits = try c.decodeIfPresent([Ulimit].self, forKey: .ulimits) ?? []
        devices = try c.decodeIfPresent([DeviceMapping].self, forKey: .devices) ?? []
        deviceCgroupRules = try c.decodeIfPresent([String].self, forKey: .deviceCgroupRules) ?? []
        sysctls = try c.decodeIfPresent([String: String].self, forKey: .sysctls) ?? [:]
        groupAdd = try c.decodeIfPresent([String].self, forKey: .groupAdd) ?? []
        extraHosts = try c.decodeIfPresent([ExtraHost].self, forKey: .extraHosts) ?? []
        dns = try c.decodeIfPresent([String].self, forKey: .dns) ?? []
        dnsSearch = try c.decodeIfPresent([String].self, forKey: .dnsSearch) ?? []
        dnsOptions = try c.decodeIfPresent([String].self, forKey: .dnsOptions) ?? []
        stopSignal = try c.decodeIfPresent(String.self, forKey: .stopSignal)
        stopTimeout = try c.decodeIfPresent(Int.self, forKey: .stopTimeout)
        initProcess = try c.decodeIfPresent(Bool.self, forKey: .initProcess) ?? false
        healthcheck = try c.decodeIfPresent(HealthConfig.self, forKey: .healthcheck)
        oomScoreAdj = try c.decodeIfPresent(Int.self, forKey: .oomScoreAdj)
        domainname = try c.decodeIfPresent(String.self, forKey: .domainname)
    }

    /// `--ulimit nofile=1024:2048`: a resource and its soft and hard limit (`-1` or `unlimited`: none).
    public struct Ulimit: Codable, Sendable, Equatable {
        /// docker's name: `nofile`, `nproc`, `core`, …
        public var name: String
        public var soft: UInt64
        public var hard: UInt64

        public init(name: String, soft: UInt64, hard: UInt64) {
            self.name = name; self.soft = soft; self.hard = hard
        }

        /// The kernel's "no limit" (RLIM_INFINITY).
        public static let unlimited = UInt64.max
    }

    /// `--device /dev/HOST[:/dev/CONTAINER][:rwm]`.
    public struct DeviceMapping: Codable, Sendable, Equatable {
        public var hostPath: String
        public var containerPath: String
        public var permissions: String

        public init(hostPath: String, containerPath: String, permissions: String) {
            self.hostPath = hostPath; self.containerPath = containerPath; self.permissions = permissions
        }
    }

    /// `--add-host NAME:IP`.
    public struct ExtraHost: Codable, Sendable, Equatable {
        public var name: String
        public var address: String

        public init(name: String, address: String) { self.name = name; self.address = address }
    }
}
