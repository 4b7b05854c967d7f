import BerthOCI
import BerthOS
import Foundation

/// Everything `berth-shim` needs to create one container (or run one process in it, `exec`),
/// flattened so the C side parses it without policy: NUL-terminated key and value strings, lists
/// as repeated keys, compound values joined by 0x1F. `berth-shim/plan.c` is the reader: it
/// refuses keys it does not know (unless they start with `opt.`), so a step added here is never
/// skipped silently by an older shim. `berth-shim --check-plan FILE` prints what it read. Bump
/// `version` on any incompatible change. This is the only writer of the format.
public struct LaunchPlan: Equatable, Sendable {
    public static let version = "1"
    /// Published ports one supervisor relays (`PLAN_MAX_PORTS` in shim.h).
    public static let maximumPorts = 16
    /// The shim reads plans up to this size (`PLAN_MAX_BYTES`).
    public static let maximumBytes = 64 << 20

    /// `create` starts and supervises a container; `exec` joins the running one whose init is `targetPid`.
    public enum Mode: Equatable, Sendable {
        case create
        case exec(targetPid: Int32)
    }

    public struct Mount: Equatable, Sendable {
        public var type: String
        public var source: String
        /// Absolute path inside the container.
        public var destination: String
        /// mount(2) flags.
        public var flags: UInt
        public var data: String

        public init(type: String, source: String, destination: String, flags: UInt, data: String) {
            self.type = type; self.source = source; self.destination = destination; self.flags = flags; self.data = data
        }
    }

    public struct Device: Equatable, Sendable {
        public var path: String
        public var kind: Character
        public var major: UInt32
        public var minor: UInt32
        public var mode: UInt32

        public init(path: String, kind: Character = "c", major: UInt32, minor: UInt32, mode: UInt32 = 0o666) {
            self.path = path; self.kind = kind; self.major = major; self.minor = minor; self.mode = mode
        }
    }

    /// A veth pair on one of Berth's bridges: the supervisor creates it with its peer
    /// (`interface`: eth0, eth1…) inside the container's network namespace, the container's init
    /// configures the peer. Only eth0 may carry a default route (`gateway`).
    public struct Network: Equatable, Sendable {
        public var bridge: String
        public var hostInterface: String
        public var interface: String
        public var address: IPv4Address
        public var prefix: UInt8
        public var gateway: IPv4Address?
        /// On an IPv6 network: the interface's IPv6 address (set without DAD), its prefix length,
        /// and the gateway of its default IPv6 route (eth0's, when it has an IPv4 one).
        public var address6: IPv6Address?
        public var prefix6: UInt8 = 64
        public var gateway6: IPv6Address?

        public init(bridge: String, hostInterface: String, interface: String = "eth0", address: IPv4Address, prefix: UInt8,
                    gateway: IPv4Address?, address6: IPv6Address? = nil, prefix6: UInt8 = 64, gateway6: IPv6Address? = nil) {
            self.bridge = bridge; self.hostInterface = hostInterface; self.interface = interface; self.address = address
            self.prefix = prefix; self.gateway = gateway
            self.address6 = address6; self.prefix6 = prefix6; self.gateway6 = gateway6
        }
    }

    /// A resource limit set in the container's init before exec (`--ulimit`).
    public struct Rlimit: Equatable, Sendable {
        /// `RLIMIT_*` number.
        public var resource: Int32
        public var soft: UInt64
        public var hard: UInt64

        public init(resource: Int32, soft: UInt64, hard: UInt64) { self.resource = resource; self.soft = soft; self.hard = hard }
    }

    public var mode: Mode = .create
    /// OCI runtime mode (`berth-runc create`): no supervisor; the init waits on
    /// `<stateDirectory>/exec.fifo` for `start` (berth-shim's oci.c).
    public var oci: OCIRuntime?
    /// `process.oomScoreAdj` and `process.user.umask`, set by the init before it waits for `start`.
    public var oomScoreAdj: Int?
    public var umask: UInt32?
    /// OCI mode: existing namespaces to join, (runtime-spec type, path); never mount or user.
    /// Their types are not in `namespaces` (which the init gets new).
    public var namespacePaths: [(String, String)] = []
    /// OCI mode with a new user namespace: its uid and gid maps (written by the create process).
    public var uidMappings: [OCI.IDMapping] = []
    public var gidMappings: [OCI.IDMapping] = []
    /// The most lines the kernel takes in one map.
    public static let maximumIDMappings = 340

    /// What only the OCI runtime mode has: where a terminal's pty master goes; for `exec`, the pid
    /// file and whether to return once the process runs.
    public struct OCIRuntime: Equatable, Sendable {
        /// The `--console-socket` the init connects to and sends the master over (SCM_RIGHTS).
        public var consoleSocket: String?
        public var pidFile: String?
        public var detach = false
        /// The bundle's hooks that run before the command, which the shim runs (hooks.c) at the
        /// points the spec gives them; poststart and poststop stay with berth-runc (RuncHooks).
        public var hooks: [Hook] = []
        /// The state the hooks get on stdin, as JSON without its first `{`, "status" and "pid"
        /// (the shim writes those: only it knows them at the time).
        public var ociState: String?
        /// `--preserve-fds N`: the caller's descriptors 3 … 3+N-1 go to the command.
        public var preserveFDs = 0
        /// `linux.seccomp.listenerPath`: where the filter's listener descriptor goes, and the JSON
        /// members "ociVersion", "fds" and "metadata" of the state sent with it (the shim adds
        /// "pid" and "state", from `ociState`).
        public var seccompListener: SeccompListener?

        public struct SeccompListener: Equatable, Sendable {
            public var path: String
            public var head: String
            public init(path: String, head: String) { self.path = path; self.head = head }
        }
        /// The most `--preserve-fds` takes (the shim's PRESERVE_FDS_MAX).
        public static let maximumPreservedFDs = 4096

        public init(consoleSocket: String? = nil, pidFile: String? = nil, detach: Bool = false) {
            self.consoleSocket = consoleSocket; self.pidFile = pidFile; self.detach = detach
        }

        public struct Hook: Equatable, Sendable {
            /// The plan's names of the spec's stages.
            public enum Stage: String, Sendable, CaseIterable {
                case prestart, createRuntime = "create_runtime", createContainer = "create_container",
                     startContainer = "start_container"
            }
            public var stage: Stage
            public var path: String
            public var args: [String]
            public var env: [String]
            /// Seconds; 0: none.
            public var timeout: Int

            public init(stage: Stage, path: String, args: [String], env: [String], timeout: Int) {
                self.stage = stage; self.path = path; self.args = args; self.env = env; self.timeout = timeout
            }
        }
    }
    public var rlimits: [Rlimit] = []
    /// (key with dots, value): written to /proc/sys in the container before it is made read-only.
    public var sysctls: [(String, String)] = []
    /// `--init`: the shim stays PID 1, forks the command, forwards signals and reaps orphans.
    public var initProcess = false
    /// exec: the target's start time (field 22 of /proc/PID/stat), so the shim can tell a reused pid.
    public var targetStartTime: UInt64?
    public var id: String
    /// eth0's network.
    public var network: Network?
    /// The container's other networks (eth1…), plugged at the same time as eth0.
    public var extraNetworks: [Network] = []
    /// TCP and UDP ports published on the host: the supervisor proxies host → container.
    public var ports: [PortMapping] = []
    /// `--network container:NAME`: the network namespace the init joins instead of a new one.
    public var joinNetwork: NetworkJoin?

    /// The other container's init, whose `/proc/PID/ns/net` the supervisor opens; it refuses the
    /// PID unless, after the open, its start time and parent (the other's supervisor) still match.
    public struct NetworkJoin: Equatable, Sendable {
        public var pid: Int32
        public var startTime: UInt64
        public var parent: Int32
        public init(pid: Int32, startTime: UInt64, parent: Int32) {
            self.pid = pid; self.startTime = startTime; self.parent = parent
        }
    }
    /// The container's DNS server (`berth-shim/dns.c`); nil: none (`--network none|host`).
    public var dns: DNS?

    /// What the supervisor's DNS server reads: the networks' membership files (`EmbeddedDNS`),
    /// and the resolvers other names go to (at most `maximumServers`, IPv4; none: SERVFAIL).
    public struct DNS: Equatable, Sendable {
        public static let maximumServers = 3
        public var directory: String
        public var servers: [IPv4Address]
        /// The networks it starts on: answered from until the engine lists the container in their
        /// files (just after its start; from then on, the files say which networks it is on).
        public var networks: [String]
        public init(directory: String, servers: [IPv4Address], networks: [String]) {
            self.directory = directory; self.servers = servers; self.networks = networks
        }
    }
    public var tty = false
    public var interactive = false
    /// `--read-only`: the shim remounts the root read-only once every mount point exists.
    public var rootReadonly = false
    /// The seccomp filter the container's processes run under (compiled by `SeccompCompiler`);
    /// nil: none (`--privileged`, `seccomp=unconfined`, a bundle without `linux.seccomp`).
    public var seccomp: SeccompFilter?
    public var stateDirectory: String
    public var logPath: String
    /// Empty directory on which the container's root is assembled (inside its mount namespace).
    public var rootfs: String
    /// Namespace names as the runtime spec spells them: pid, mount, uts, ipc, network, cgroup.
    public var namespaces: [String]
    public var hostname: String?
    /// setdomainname in the container's UTS namespace (config.json's `domainname`).
    public var domainname: String?
    public var mounts: [Mount]
    public var devices: [Device]
    /// (target, link path inside the container)
    public var symlinks: [(String, String)]
    public var maskedPaths: [String]
    public var readonlyPaths: [String]
    public var args: [String]
    public var env: [String]
    public var cwd: String
    public var uid: UInt32
    public var gid: UInt32
    public var additionalGids: [UInt32]
    /// Capability numbers kept (bounding, permitted, effective, inheritable).
    public var capabilities: [Int]
    public var noNewPrivileges: Bool
    public var cgroupProcsFiles: [String]
    public var oomCounterFile: String?
    /// `no`, `always`, `unless-stopped`, `on-failure`.
    public var restart: String
    /// Retries for on-failure; nil = unlimited.
    public var restartMax: Int?
    /// argv the supervisor execs when the container ends for good (removal for `--rm`).
    public var onExit: [String]
    /// Where the supervisor records the container's start, die and oom events (see `EventJournal`).
    public var events: Events?
    /// The healthcheck the supervisor runs (`berth-shim/health.c`); nil: none.
    public var health: Health?

    /// A healthcheck as the supervisor runs it: the probe's argv and its schedule in milliseconds
    /// (docker's defaults already in place; `HealthConfig` is the validator).
    public struct Health: Equatable, Sendable {
        public var args: [String]
        public var intervalMs: Int64
        public var timeoutMs: Int64
        public var startPeriodMs: Int64
        public var startIntervalMs: Int64
        public var retries: Int

        /// nil when `config` runs no probe (no test, or `NONE`).
        public init?(_ config: HealthConfig) {
            guard let args = config.probeArguments else { return nil }
            func ms(_ ns: Int64) -> Int64 { max(1, ns / 1_000_000) }
            self.args = args
            intervalMs = ms(config.effectiveInterval)
            timeoutMs = ms(config.effectiveTimeout)
            startPeriodMs = config.startPeriod / 1_000_000
            startIntervalMs = ms(config.effectiveStartInterval)
            retries = config.effectiveRetries
        }
    }

    /// The event journal as the supervisor writes it: the file, its rotation size, and the part of
    /// every line that names the container (`EventLine.actor`, JSON already escaped).
    public struct Events: Equatable, Sendable {
        public var journal: String
        public var maxBytes: Int64
        public var actor: String
    }

    public static func == (a: LaunchPlan, b: LaunchPlan) -> Bool { a.encoded() == b.encoded() }

    public init(id: String, stateDirectory: String, logPath: String, rootfs: String, namespaces: [String],
                hostname: String?, mounts: [Mount], devices: [Device], symlinks: [(String, String)],
                maskedPaths: [String], readonlyPaths: [String], args: [String], env: [String], cwd: String,
                uid: UInt32, gid: UInt32, additionalGids: [UInt32], capabilities: [Int], noNewPrivileges: Bool,
                cgroupProcsFiles: [String], oomCounterFile: String?, restart: String, restartMax: Int?, onExit: [String]) {
        self.id = id; self.stateDirectory = stateDirectory; self.logPath = logPath; self.rootfs = rootfs
        self.namespaces = namespaces; self.hostname = hostname; self.mounts = mounts; self.devices = devices
        self.symlinks = symlinks; self.maskedPaths = maskedPaths; self.readonlyPaths = readonlyPaths
        self.args = args; self.env = env; self.cwd = cwd; self.uid = uid; self.gid = gid
        self.additionalGids = additionalGids; self.capabilities = capabilities; self.noNewPrivileges = noNewPrivileges
        self.cgroupProcsFiles = cgroupProcsFiles; self.oomCounterFile = oomCounterFile; self.restart = restart
        self.restartMax = restartMax; self.onExit = onExit
    }

    /// A plan that runs `args` in the running container whose init is `targetPid`: the namespaces,
    /// cgroups, identity and security settings are the container's, the rest is unused.
    public static func exec(id: String, targetPid: Int32, namespaces: [String], args: [String], env: [String],
                            cwd: String, uid: UInt32, gid: UInt32, additionalGids: [UInt32], capabilities: [Int],
                            noNewPrivileges: Bool, cgroupProcsFiles: [String], seccomp: SeccompFilter?,
                            tty: Bool, interactive: Bool, targetStartTime: UInt64? = nil) -> LaunchPlan {
        var plan = LaunchPlan(id: id, stateDirectory: "", logPath: "", rootfs: "", namespaces: namespaces,
                              hostname: nil, mounts: [], devices: [], symlinks: [], maskedPaths: [], readonlyPaths: [],
                              args: args, env: env, cwd: cwd, uid: uid, gid: gid, additionalGids: additionalGids,
                              capabilities: capabilities, noNewPrivileges: noNewPrivileges,
                              cgroupProcsFiles: cgroupProcsFiles, oomCounterFile: nil, restart: "no", restartMax: nil, onExit: [])
        plan.mode = .exec(targetPid: targetPid)
        plan.targetStartTime = targetStartTime
        plan.seccomp = seccomp
        plan.tty = tty
        plan.interactive = interactive
        return plan
    }

    /// Fails on values the flat format cannot carry (NUL bytes, the separator) and on the shim's
    /// few fixed limits, each with its own message; nothing else is limited (docker has no cap
    /// on arguments or environment variables either, beyond the kernel's).
    public func validate() throws(BerthError) {
        func check(_ s: String, _ what: String) throws(BerthError) {
            if s.utf8.contains(0) { throw .invalidArgument("\(what) contains a NUL byte") }
        }
        func checkField(_ s: String, _ what: String) throws(BerthError) {
            try check(s, what)
            if s.utf8.contains(0x1F) { throw .invalidArgument("\(what) contains the control character 0x1F") }
        }
        for a in args { try check(a, "an argument") }
        for a in health?.args ?? [] { try check(a, "the healthcheck command") }
        for e in env { try check(e, "an environment variable") }
        try check(cwd, "the working directory")
        // From config.json in berth-runc's case: a NUL would start a record of the reader's own.
        try check(hostname ?? "", "the hostname")
        try check(domainname ?? "", "the domain name")
        for m in mounts {
            try checkField(m.type, "mount type"); try checkField(m.source, "mount source")
            try checkField(m.destination, "mount destination"); try checkField(m.data, "mount options")
        }
        for d in devices { try checkField(d.path, "device path") }
        for (target, path) in symlinks { try checkField(target, "symlink target"); try checkField(path, "symlink path") }
        for p in maskedPaths + readonlyPaths + cgroupProcsFiles + onExit { try check(p, "a path") }
        for (key, value) in sysctls { try checkField(key, "sysctl name"); try checkField(value, "sysctl value") }
        if let events {
            try check(events.journal, "the event journal's path")
            try check(events.actor, "a container's event attributes")
        }
        for h in oci?.hooks ?? [] {
            try checkField(h.path, "a hook's path")
            for a in h.args { try check(a, "a hook's argument") }
            for e in h.env { try check(e, "a hook's environment") }
        }
        try check(oci?.ociState ?? "", "the container's state")
        try check(oci?.seccompListener?.path ?? "", "linux.seccomp.listenerPath")
        try check(oci?.seccompListener?.head ?? "", "linux.seccomp.listenerMetadata")
        if let dns {
            try check(dns.directory, "the DNS server's directory")
            for n in dns.networks { try checkField(n, "a network name") }
            if dns.servers.count > DNS.maximumServers {
                throw .invalidArgument("too many DNS servers (\(dns.servers.count)): the most a container forwards to is \(DNS.maximumServers)")
            }
        }
        if ports.count > Self.maximumPorts {
            throw .invalidArgument("too many published ports (\(ports.count)): one container publishes at most \(Self.maximumPorts)")
        }
        if let program = seccomp?.program, program.isEmpty || program.count % 8 != 0
            || program.count / 8 > SeccompCompiler.maximumInstructions {
            throw .invalidArgument("the seccomp filter is not a BPF program of 1 to \(SeccompCompiler.maximumInstructions) instructions")
        }
        for (type, path) in namespacePaths { try checkField(type, "a namespace type"); try checkField(path, "a namespace path") }
        if let socket = oci?.consoleSocket { try check(socket, "the console socket's path") }
        if let pidFile = oci?.pidFile { try check(pidFile, "the pid file's path") }
        if let adj = oomScoreAdj, !(-1000...1000).contains(adj) {
            throw .invalidArgument("process.oomScoreAdj \(adj) is outside -1000…1000")
        }
        if joinNetwork != nil && namespaces.contains("network") {
            throw .invalidArgument("a container cannot both join another's network namespace and have its own")
        }
        if args.isEmpty { throw .invalidArgument("no command given and the image has none") }
        if case .create = mode, stateDirectory.isEmpty || logPath.isEmpty || rootfs.isEmpty {
            throw .invalidArgument("a launch plan needs its state directory, log and root")
        }
    }

    /// The encoded plan after `validate()`, refusing one larger than the shim reads.
    public func validatedEncoding() throws(BerthError) -> [UInt8] {
        try validate()
        let bytes = encoded()
        if bytes.count > Self.maximumBytes {
            throw .invalidArgument("the command line and environment are too large (\(bytes.count) bytes; at most \(Self.maximumBytes))")
        }
        return bytes
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        func put(_ key: String, _ value: String) {
            out.append(contentsOf: key.utf8); out.append(0)
            out.append(contentsOf: value.utf8); out.append(0)
        }
        let sep = "\u{1F}"
        put("berth-plan", Self.version)
        switch mode {
        case .create: put("mode", "create")
        case .exec(let pid):
            put("mode", "exec"); put("target_pid", String(pid))
            if let start = targetStartTime { put("target_start", String(start)) }
        }
        put("id", id)
        if !stateDirectory.isEmpty { put("state_dir", stateDirectory) }
        if !logPath.isEmpty { put("log", logPath) }
        if !rootfs.isEmpty { put("rootfs", rootfs) }
        for ns in namespaces { put("ns", ns) }
        if let hostname { put("hostname", hostname) }
        if let domainname { put("domainname", domainname) }
        for m in mounts {
            put("mount", [m.type, m.source, m.destination, String(m.flags), m.data].joined(separator: sep))
        }
        for d in devices {
            put("device", [d.path, String(d.kind), String(d.major), String(d.minor), String(d.mode, radix: 8)].joined(separator: sep))
        }
        for (target, path) in symlinks { put("symlink", target + sep + path) }
        for p in maskedPaths { put("masked", p) }
        for p in readonlyPaths { put("readonly", p) }
        for a in args { put("arg", a) }
        for e in env { put("env", e) }
        put("cwd", cwd)
        put("uid", String(uid))
        put("gid", String(gid))
        for g in additionalGids { put("gids", String(g)) }
        let mask = capabilities.reduce(UInt64(0)) { $0 | (($1 >= 0 && $1 < 64) ? (UInt64(1) << UInt64($1)) : 0) }
        put("caps", String(mask, radix: 16))
        put("no_new_privs", noNewPrivileges ? "1" : "0")
        for f in cgroupProcsFiles { put("cgroup_procs", f) }
        if let oomCounterFile { put("oom_file", oomCounterFile) }
        if case .create = mode { put("restart", restart) }
        if let restartMax { put("restart_max", String(restartMax)) }
        for a in onExit { put("on_exit", a) }
        if let events {
            put("events", events.journal)
            put("events_max", String(events.maxBytes))
            put("event_actor", events.actor)
        }
        if let n = network {
            put("net_bridge", n.bridge)
            put("net_host", n.hostInterface)
            put("net_addr", n.address.description)
            put("net_prefix", String(n.prefix))
            if let gw = n.gateway { put("net_gw", gw.description) }
        }
        for n in extraNetworks {
            put("net_if", [n.bridge, n.hostInterface, n.interface, n.address.description, String(n.prefix)].joined(separator: sep))
        }
        for n in [network].compactMap({ $0 }) + extraNetworks {
            guard let a6 = n.address6 else { continue }
            put("net_addr6", [n.interface, a6.description, String(n.prefix6), n.gateway6?.description ?? ""].joined(separator: sep))
        }
        if let filter = seccomp {
            put("seccomp_bpf", Hex.lowercase(filter.program))
            if filter.flags != 0 { put("seccomp_flags", String(filter.flags)) }
        }
        if tty { put("tty", "1") }
        if interactive { put("interactive", "1") }
        if rootReadonly { put("root_readonly", "1") }
        for r in rlimits { put("rlimit", [String(r.resource), String(r.soft), String(r.hard)].joined(separator: sep)) }
        for (key, value) in sysctls { put("sysctl", key + sep + value) }
        if initProcess { put("init", "1") }
        if let h = health {
            for a in h.args { put("health_arg", a) }
            put("health_interval", String(h.intervalMs))
            put("health_timeout", String(h.timeoutMs))
            put("health_start_period", String(h.startPeriodMs))
            put("health_start_interval", String(h.startIntervalMs))
            put("health_retries", String(h.retries))
        }
        if let oci {
            put("oci", "1")
            if let socket = oci.consoleSocket { put("console_socket", socket) }
            if let pidFile = oci.pidFile { put("pid_file", pidFile) }
            if oci.detach { put("detach", "1") }
            for h in oci.hooks {
                put("hook", [h.stage.rawValue, String(h.timeout), h.path].joined(separator: sep))
                for a in h.args { put("hook_arg", a) }
                for e in h.env { put("hook_env", e) }
            }
            if let state = oci.ociState, !oci.hooks.isEmpty || oci.seccompListener != nil { put("oci_state", state) }
            if let listener = oci.seccompListener {
                put("seccomp_listener", listener.path)
                put("seccomp_listener_head", listener.head)
            }
            if oci.preserveFDs > 0 { put("preserve_fds", String(oci.preserveFDs)) }
        }
        for (type, path) in namespacePaths { put("ns_path", type + sep + path) }
        for m in uidMappings { put("uid_map", [m.containerID, m.hostID, m.size].map(String.init).joined(separator: sep)) }
        for m in gidMappings { put("gid_map", [m.containerID, m.hostID, m.size].map(String.init).joined(separator: sep)) }
        if let j = joinNetwork {
            put("net_join_pid", String(j.pid))
            put("net_join_start", String(j.startTime))
            put("net_join_parent", String(j.parent))
        }
        if let oomScoreAdj { put("oom_score_adj", String(oomScoreAdj)) }
        if let umask { put("umask", String(umask & 0o777, radix: 8)) }
        if let dns {
            put("dns_dir", dns.directory)
            if !dns.networks.isEmpty { put("dns_networks", dns.networks.joined(separator: sep)) }
            if !dns.servers.isEmpty { put("dns_servers", dns.servers.map(\.description).joined(separator: sep)) }
        }
        for p in ports {
            put("port", [p.hostIP.description, String(p.hostPort), String(p.containerPort), p.proto.rawValue].joined(separator: sep))
        }
        return out
    }
}
