import ArgumentParser
import BerthOS
import BerthRuntime

/// The flags that say what a container is, in docker's words: the one declaration shared by `run`,
/// `create` (through `ContainerOptions`), `service create` and `service update` (a service's
/// template is the request these flags make). Only syntax is checked here; the limits' rules are `LimitRules`, which
/// `Engine.create` and `createService` apply for every front end.
struct ContainerFlags: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Set an environment variable.", valueName: "KEY=VALUE")) var env: [String] = []
    @Option(name: [.short, .customLong("workdir")], help: "Working directory inside the container.") var workdir: String?
    @Option(name: .shortAndLong, help: ArgumentHelp("User to run as: name, uid, name:group or uid:gid.", valueName: "user")) var user: String?
    @Option(help: "Container host name (default: the container's name).") var hostname: String?
    @Option(help: ArgumentHelp("Override the image's entrypoint.", valueName: "cmd")) var entrypoint: String?
    @Option(name: [.short, .long], help: ArgumentHelp("Memory limit, e.g. 64m or 1g (at least 6m).", valueName: "bytes")) var memory: String?
    // `.unconditional`: `--memory-swap -1` and `--pids-limit -1` take the -1 as the value, not as a flag.
    @Option(parsing: .unconditional, help: ArgumentHelp("Memory plus swap limit; -1 for unlimited swap.", valueName: "bytes")) var memorySwap: String?
    @Option(help: "Number of CPUs, e.g. 0.5.") var cpus: String?
    @Option(name: [.customShort("c"), .long], help: "Relative CPU weight (default 1024).") var cpuShares: Int?
    @Option(help: ArgumentHelp("CPUs the container may use, e.g. 0-1 or 0,2.", valueName: "list")) var cpusetCpus: String?
    @Option(parsing: .unconditional, help: "Maximum number of processes (-1 or 0: unlimited).") var pidsLimit: Int?
    @Option(help: ArgumentHelp("Soft memory limit the kernel reclaims down to under pressure (at least 6m, at most --memory).", valueName: "bytes")) var memoryReservation: String?
    @Option(help: ArgumentHelp("CFS period in microseconds (1000-1000000); with --cpu-quota, instead of --cpus.", valueName: "microseconds")) var cpuPeriod: Int64?
    @Option(parsing: .unconditional, help: ArgumentHelp("CPU time per CFS period in microseconds (at least 1000; -1: no quota).", valueName: "microseconds")) var cpuQuota: Int64?
    @Option(help: ArgumentHelp("Memory nodes the container may allocate from, e.g. 0 or 0-1.", valueName: "list")) var cpusetMems: String?
    @Option(help: ArgumentHelp("Relative block IO weight (10-1000).", valueName: "weight")) var blkioWeight: Int?
    @Option(name: .customLong("device-read-bps"), help: ArgumentHelp("Limit reads from a host block device, in bytes per second.", valueName: "path:rate[b|k|m|g]")) var deviceReadBps: [String] = []
    @Option(name: .customLong("device-write-bps"), help: ArgumentHelp("Limit writes to a host block device, in bytes per second.", valueName: "path:rate[b|k|m|g]")) var deviceWriteBps: [String] = []
    @Option(name: .customLong("device-read-iops"), help: ArgumentHelp("Limit reads from a host block device, in operations per second.", valueName: "path:rate")) var deviceReadIOps: [String] = []
    @Option(name: .customLong("device-write-iops"), help: ArgumentHelp("Limit writes to a host block device, in operations per second.", valueName: "path:rate")) var deviceWriteIOps: [String] = []
    @Option(help: ArgumentHelp("Restart policy: no, always, unless-stopped, on-failure[:N] (default: no; services: always).", valueName: "policy")) var restart: String?
    @Option(help: ArgumentHelp("Network: bridge (the root's default network; the default), the name of a network made by `network create`, none (loopback only), host, or container:NAME (another running container's network namespace).", valueName: "network")) var network: String?
    @Option(help: ArgumentHelp("The container's IPv4 address on its network (default: the lowest free one).", valueName: "address")) var ip: String?
    @Option(help: ArgumentHelp("The container's IPv6 address on its network, one made with --ipv6 (default: the lowest free one).", valueName: "address")) var ip6: String?
    @Option(name: .customLong("network-alias"), help: ArgumentHelp("Another name the container answers to on its network.", valueName: "name")) var networkAliases: [String] = []
    @Option(name: [.short, .customLong("publish")], help: ArgumentHelp("Publish a container port (or range; TCP unless /udp) on the host: every address by default, an ephemeral host port when none is given.", valueName: "[ip:][hostport[-end]:]containerport[-end][/tcp|/udp]")) var publish: [String] = []
    @Flag(name: [.customShort("P"), .customLong("publish-all")], help: "Publish every exposed port (the image's and --expose's) on ephemeral host ports.") var publishAll = false
    @Option(name: .customLong("expose"), help: ArgumentHelp("Expose a container port (or range) for -P.", valueName: "port[-end][/tcp|/udp]")) var expose: [String] = []
    @Option(name: [.short, .customLong("label")], help: ArgumentHelp("Set a label.", valueName: "KEY=VALUE")) var labels: [String] = []
    @Option(name: [.short, .customLong("volume")], help: ArgumentHelp("Bind a host path (created when missing) or mount a volume; options ro, rw, z, Z, [r]private, [r]slave, nocopy.", valueName: "[/host/path|name:]/ctr/path[:opts]")) var volumes: [String] = []
    @Option(name: .customLong("mount"), help: ArgumentHelp("Mount by keys: type=bind|volume|tmpfs, src, dst, readonly, bind-propagation, volume-nocopy, tmpfs-size, tmpfs-mode.", valueName: "type=…,src=…,dst=…")) var mountSpecs: [String] = []
    @Option(name: .customLong("tmpfs"), help: ArgumentHelp("Mount a tmpfs (noexec, nosuid, nodev unless the options say otherwise).", valueName: "/path[:size=64m,mode=1777,…]")) var tmpfs: [String] = []
    @Option(name: .customLong("volumes-from"), help: ArgumentHelp("Mount the volumes and binds of another container at the same paths.", valueName: "container[:ro|rw]")) var volumesFrom: [String] = []
    @Flag(name: .customLong("read-only"), help: "Mount the root filesystem read-only (/dev, /proc, volumes and tmpfs mounts stay writable).") var readOnly = false
    @Option(help: ArgumentHelp("Size of /dev/shm (default 64m).", valueName: "bytes")) var shmSize: String?

    /// The request these flags describe, without a name; `restartDefault` is the policy when
    /// `--restart` is not given (`no` for a container, `always` for a service's replicas).
    func request(image: String, command: [String], cgroupParent: String?, more: RunOptionFlags,
                 restartDefault: RestartPolicy = .no) throws -> ContainerRequest {
        var request = ContainerRequest(image: image, command: command, restartPolicy: restartDefault,
                                       network: .bridge, cgroupParent: cgroupParent)
        try apply(to: &request, more: more)
        return request
    }

    /// Sets what was given on the command line and leaves the rest of `request` as it is: a new
    /// request's defaults, or a service's template for `service update`. A list flag given replaces
    /// the whole list.
    func apply(to request: inout ContainerRequest, more: RunOptionFlags) throws {
        if let m = memory { request.limits.memory = try ByteSize.parse(m) }
        if let s = memorySwap { request.limits.memorySwap = try ByteSize.parse(s, allowUnlimited: true) }
        if let c = cpus { request.limits.cpus = try CPUs.number(c) }
        if let s = cpuShares { request.limits.cpuShares = s }
        if let c = cpusetCpus { request.limits.cpusetCpus = c }
        // docker: -1 and 0 mean unlimited.
        if let p = pidsLimit { request.limits.pidsLimit = p > 0 ? p : nil }
        try applyMoreLimits(to: &request.limits)
        if let network {
            if let mode = NetworkMode.named(network) {
                request.network = mode
                request.networkName = nil
                request.networkContainer = nil
            } else if let target = try ContainerRequest.networkContainer(network) {
                request.network = .container
                request.networkName = nil
                request.networkContainer = target
            } else {
                try ResourceName.validate(network, kind: .network)
                request.network = .bridge
                request.networkName = network
            }
        }
        if let ip { request.ipAddress = ip }
        if let ip6 { request.ipv6Address = ip6 }
        if !networkAliases.isEmpty { request.networkAliases = networkAliases }
        if let restart { request.restartPolicy = try RestartPolicy(parsing: restart) }
        if let entrypoint { request.entrypoint = entrypoint.isEmpty ? [] : [entrypoint] }
        if !env.isEmpty || !more.envFile.isEmpty { request.env = try more.environment(env) }
        if let workdir { request.workingDir = workdir }
        if let user { request.user = user }
        if let hostname { request.hostname = hostname }
        if !labels.isEmpty || !more.labelFile.isEmpty { request.labels = try Self.labelMap(more.labelFileLines() + labels) }
        try more.apply(to: &request.options)
        if !publish.isEmpty { request.ports = try PortMapping.parse(all: publish) }
        if publishAll { request.publishAll = true }
        if !expose.isEmpty {
            for text in expose { _ = try PortMapping.exposed(text) }
            request.exposedPorts = expose
        }
        // -v, --mount and --tmpfs together replace the list; each keeps the order it was given in.
        if !volumes.isEmpty || !mountSpecs.isEmpty || !tmpfs.isEmpty {
            request.mounts = try volumes.map(MountSyntax.volume) + mountSpecs.map(MountSyntax.mount) + tmpfs.map(MountSyntax.tmpfs)
        }
        if !volumesFrom.isEmpty { request.volumesFrom = volumesFrom }
        if readOnly { request.readOnlyRoot = true }
        if let shmSize { request.shmSize = try ByteSize.parse(shmSize) }
    }

    /// The limits beyond docker's everyday ones. docker's 0 is "not set" for the period, quota and
    /// weight (so `service update --cpu-quota 0` clears one); a device path is looked up on this host.
    private func applyMoreLimits(to limits: inout ResourceLimits) throws {
        if let r = memoryReservation { limits.memoryReservation = try ByteSize.parse(r) }
        if let p = cpuPeriod { limits.cpuPeriod = p == 0 ? nil : p }
        if let q = cpuQuota { limits.cpuQuota = q == 0 ? nil : q }
        if let m = cpusetMems { limits.cpusetMems = m }
        if let w = blkioWeight { limits.blkioWeight = w == 0 ? nil : w }
        func rates(_ texts: [String], _ flag: String, bytes: Bool) throws -> [BlockDeviceRate]? {
            try texts.map { try BlockDeviceRate.parse($0, flag: flag, bytes: bytes) }
        }
        if !deviceReadBps.isEmpty { limits.blkioDeviceReadBps = try rates(deviceReadBps, "--device-read-bps", bytes: true) }
        if !deviceWriteBps.isEmpty { limits.blkioDeviceWriteBps = try rates(deviceWriteBps, "--device-write-bps", bytes: true) }
        if !deviceReadIOps.isEmpty { limits.blkioDeviceReadIOps = try rates(deviceReadIOps, "--device-read-iops", bytes: false) }
        if !deviceWriteIOps.isEmpty { limits.blkioDeviceWriteIOps = try rates(deviceWriteIOps, "--device-write-iops", bytes: false) }
    }

    /// docker's `-l KEY=VALUE`: split at the first `=` (`a=b=c` is key a, value b=c); no `=` is an empty value.
    static func labelMap(_ labels: [String]) throws -> [String: String] {
        var map: [String: String] = [:]
        for l in labels {
            let parts = l.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = parts.first, !key.isEmpty else {
                throw BerthError.invalidArgument("invalid label \(l.quoted): expected KEY=VALUE with a non-empty KEY")
            }
            map[String(key)] = parts.count > 1 ? String(parts[1]) : ""
        }
        return map
    }
}
