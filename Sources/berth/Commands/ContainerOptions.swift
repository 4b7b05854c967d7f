import ArgumentParser
import BerthRuntime

/// The options `run` and `create` share, in docker's words.
struct ContainerOptions: ParsableArguments {
    @Option(help: "Name of the container (unique).") var name: String?
    @Option(name: .shortAndLong, help: ArgumentHelp("Set an environment variable.", valueName: "KEY=VALUE")) var env: [String] = []
    @Option(name: [.short, .customLong("workdir")], help: "Working directory inside the container.") var workdir: String?
    @Option(name: .shortAndLong, help: ArgumentHelp("User to run as: name, uid, name:group or uid:gid.", valueName: "user")) var user: String?
    @Option(help: "Container host name (default: its name).") var hostname: String?
    @Option(help: ArgumentHelp("Override the image's entrypoint.", valueName: "cmd")) var entrypoint: String?
    @Option(name: [.short, .long], help: ArgumentHelp("Memory limit, e.g. 64m or 1g.", valueName: "bytes")) var memory: String?
    @Option(help: ArgumentHelp("Memory plus swap limit; -1 for unlimited swap.", valueName: "bytes")) var memorySwap: String?
    @Option(help: "Number of CPUs, e.g. 0.5.") var cpus: String?
    @Option(name: [.customShort("c"), .long], help: "Relative CPU weight (default 1024).") var cpuShares: Int?
    @Option(help: ArgumentHelp("CPUs the container may use, e.g. 0-1 or 0,2.", valueName: "list")) var cpusetCpus: String?
    @Option(help: "Maximum number of processes (-1 unlimited).") var pidsLimit: Int?
    @Option(help: ArgumentHelp("Restart policy: no, always, unless-stopped, on-failure[:N].", valueName: "policy")) var restart: String = "no"
    @Option(help: ArgumentHelp("Network: bridge (Berth's bridge, reach others by name), none (loopback only) or host.", valueName: "mode")) var network: String = "bridge"
    @Option(name: [.short, .customLong("publish")], help: ArgumentHelp("Publish a container TCP port on the host (127.0.0.1 by default).", valueName: "[ip:]hostport:containerport")) var publish: [String] = []
    @Option(name: [.short, .customLong("label")], help: ArgumentHelp("Set a label.", valueName: "KEY=VALUE")) var labels: [String] = []
    @Flag(help: "Remove the container when it exits.") var rm = false
    @Flag(name: .shortAndLong, help: "Keep stdin open (attach sends it to the container).") var interactive = false
    @Flag(name: .shortAndLong, help: "Give the container a terminal (from its own /dev/pts).") var tty = false

    func request(image: String, command: [String], cgroupParent: String?) throws -> ContainerRequest {
        var limits = ResourceLimits()
        if let m = memory { limits.memory = try ByteSize.parse(m) }
        if let s = memorySwap { limits.memorySwap = s == "-1" ? -1 : try ByteSize.parse(s) }
        if let c = cpus { limits.cpus = Double(try CPUs.parse(c).quota) / 100_000 }
        if let s = cpuShares {
            guard (2...262_144).contains(s) else { throw BerthError.invalidArgument("--cpu-shares must be between 2 and 262144") }
            limits.cpuShares = s
        }
        if let c = cpusetCpus {
            guard !c.isEmpty, c.allSatisfy({ $0.isNumber || $0 == "," || $0 == "-" }) else {
                throw BerthError.invalidArgument("invalid --cpuset-cpus \(c.quoted): expected a list such as 0-1 or 0,2")
            }
            limits.cpusetCpus = c
        }
        if let p = pidsLimit, p > 0 { limits.pidsLimit = p }
        guard let net = NetworkMode(rawValue: network) else {
            throw BerthError.invalidArgument("invalid --network \(network.quoted): expected none, host or bridge")
        }
        var labelMap: [String: String] = [:]
        for l in labels {
            let parts = l.split(separator: "=", maxSplits: 1)
            labelMap[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        let policy = try RestartPolicy(parsing: restart)
        if rm && policy != .no {
            throw BerthError.invalidArgument("conflicting options: --restart and --rm (a container removed on exit cannot be restarted)")
        }
        var request = ContainerRequest(
            image: image, name: name, command: command,
            entrypoint: entrypoint.map { $0.isEmpty ? [] : [$0] },
            env: env, workingDir: workdir, user: user, hostname: hostname, limits: limits,
            restartPolicy: policy, network: net, autoRemove: rm,
            labels: labelMap, cgroupParent: cgroupParent, ports: try publish.map { try PortMapping(parsing: $0) })
        request.tty = tty
        request.interactive = interactive
        return request
    }
}
