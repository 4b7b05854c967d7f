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
    @Option(help: ArgumentHelp("Restart policy: no, always, unless-stopped, on-failure[:N] (default: no; services: always).", valueName: "policy")) var restart: String?
    @Option(help: ArgumentHelp("Network: bridge (Berth's bridge, reach others by name; the default), none (loopback only) or host.", valueName: "mode")) var network: String?
    @Option(name: [.short, .customLong("publish")], help: ArgumentHelp("Publish a container TCP port on the host (127.0.0.1 by default).", valueName: "[ip:]hostport:containerport")) var publish: [String] = []
    @Option(name: [.short, .customLong("label")], help: ArgumentHelp("Set a label.", valueName: "KEY=VALUE")) var labels: [String] = []
    @OptionGroup var more: RunOptionFlags

    /// The request these flags describe, without a name; `restartDefault` is the policy when
    /// `--restart` is not given (`no` for a container, `always` for a service's replicas).
    func request(image: String, command: [String], cgroupParent: String?,
                 restartDefault: RestartPolicy = .no) throws -> ContainerRequest {
        var request = ContainerRequest(image: image, command: command, restartPolicy: restartDefault,
                                       network: .bridge, cgroupParent: cgroupParent)
        try apply(to: &request)
        return request
    }

    /// Sets what was given on the command line and leaves the rest of `request` as it is: a new
    /// request's defaults, or a service's template for `service update`. A list flag given replaces
    /// the whole list.
    func apply(to request: inout ContainerRequest) throws {
        if let m = memory { request.limits.memory = try ByteSize.parse(m) }
        if let s = memorySwap { request.limits.memorySwap = try ByteSize.parse(s, allowUnlimited: true) }
        if let c = cpus { request.limits.cpus = try CPUs.number(c) }
        if let s = cpuShares { request.limits.cpuShares = s }
        if let c = cpusetCpus { request.limits.cpusetCpus = c }
        // docker: -1 and 0 mean unlimited.
        if let p = pidsLimit { request.limits.pidsLimit = p > 0 ? p : nil }
        if let network {
            guard let mode = NetworkMode(rawValue: network) else {
                throw BerthError.invalidArgument("invalid --network \(network.quoted): expected none, host or bridge")
            }
            request.network = mode
        }
        if let restart { request.restartPolicy = try RestartPolicy(parsing: restart) }
        if let entrypoint { request.entrypoint = entrypoint.isEmpty ? [] : [entrypoint] }
        if !env.isEmpty || !more.envFile.isEmpty { request.env = try more.environment(env) }
        if let workdir { request.workingDir = workdir }
        if let user { request.user = user }
        if let hostname { request.hostname = hostname }
        if !labels.isEmpty || !more.labelFile.isEmpty { request.labels = try Self.labelMap(more.labelFileLines() + labels) }
        try more.apply(to: &request.options)
        if !publish.isEmpty { request.ports = try publish.map { try PortMapping(parsing: $0) } }
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
