import ArgumentParser
import BerthRuntime
import Foundation

struct ServiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service", abstract: "Manage services: container templates with a number of replicas.",
        discussion: "Replicas are containers named SERVICE-1, SERVICE-2, … labelled berth.service=SERVICE. Change the count with `berth scale`. See docs/services.md.",
        subcommands: [ServiceCreate.self, ServiceList.self, ServiceRemove.self, ServiceInspect.self])
}

/// The container options a service's replicas are created with: `run`'s, without `--name` and
/// `--rm`, and with a restart policy of `always` unless given.
struct ServiceOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Set an environment variable.", valueName: "KEY=VALUE")) var env: [String] = []
    @Option(name: [.short, .customLong("workdir")], help: "Working directory inside the containers.") var workdir: String?
    @Option(name: .shortAndLong, help: ArgumentHelp("User to run as: name, uid, name:group or uid:gid.", valueName: "user")) var user: String?
    @Option(help: "Host name of every replica (default: the replica's name).") var hostname: String?
    @Option(help: ArgumentHelp("Override the image's entrypoint.", valueName: "cmd")) var entrypoint: String?
    @Option(name: [.short, .long], help: ArgumentHelp("Memory limit per replica, e.g. 64m or 1g.", valueName: "bytes")) var memory: String?
    @Option(help: ArgumentHelp("Memory plus swap limit; -1 for unlimited swap.", valueName: "bytes")) var memorySwap: String?
    @Option(help: "Number of CPUs per replica, e.g. 0.5.") var cpus: String?
    @Option(name: [.customShort("c"), .long], help: "Relative CPU weight (default 1024).") var cpuShares: Int?
    @Option(help: ArgumentHelp("CPUs the replicas may use, e.g. 0-1 or 0,2.", valueName: "list")) var cpusetCpus: String?
    @Option(help: "Maximum number of processes per replica.") var pidsLimit: Int?
    @Option(help: ArgumentHelp("Restart policy: no, always, unless-stopped, on-failure[:N] (default: always).", valueName: "policy")) var restart: String?
    @Option(help: ArgumentHelp("Network: bridge (default), none or host.", valueName: "mode")) var network: String?
    @Option(name: [.short, .customLong("label")], help: ArgumentHelp("Set a label on every replica.", valueName: "KEY=VALUE")) var labels: [String] = []
    @Option(name: [.short, .customLong("publish")], help: ArgumentHelp("Publish a port: [IP:]HOSTPORT:CONTAINERPORT.", valueName: "ports")) var ports: [String] = []
    @Option(name: .customLong("stop-timeout"), help: "Seconds a stopping replica gets between SIGTERM and SIGKILL.") var stopTimeout: Int = ServiceSpec.defaultStopTimeout

    func template(image: String, command: [String], cgroupParent: String?) throws -> ServiceTemplate {
        var limits = ResourceLimits()
        if let m = memory { limits.memory = try ByteSize.parse(m) }
        if let s = memorySwap { limits.memorySwap = try ByteSize.parse(s, allowUnlimited: true) }
        if let c = cpus { limits.cpus = try CPUs.parse(c).cpus }
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
        var mode = ServiceTemplate.defaultNetwork
        if let network {
            guard let m = NetworkMode(rawValue: network) else {
                throw BerthError.invalidArgument("invalid --network \(network.quoted): expected none, host or bridge")
            }
            mode = m
        }
        var labelMap: [String: String] = [:]
        for l in labels {
            let parts = l.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            labelMap[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        guard stopTimeout >= 0 else { throw BerthError.invalidArgument("--stop-timeout must be 0 or more") }
        return ServiceTemplate(
            image: image, command: command, entrypoint: entrypoint.map { $0.isEmpty ? [] : [$0] }, env: env,
            workingDir: workdir, user: user, hostname: hostname, limits: limits,
            restartPolicy: try restart.map(RestartPolicy.init(parsing:)) ?? ServiceTemplate.defaultRestartPolicy,
            network: mode, labels: labelMap, cgroupParent: cgroupParent)
    }
}

struct ServiceCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a service and start its replicas.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Number of replicas to start.") var replicas: Int = 1
    @OptionGroup var options: ServiceOptions
    @Argument(help: "Service name; replicas are named NAME-1, NAME-2, …") var name: String
    @Argument(help: "Image name[:tag] or id.") var image: String
    @Argument(parsing: .captureForPassthrough, help: "Command and arguments (default: the image's).") var command: [String] = []

    func run() throws {
        try withServiceErrors {
            let engine = try global.engine()
            let template = try options.template(image: image, command: command, cgroupParent: global.effectiveCgroupParent)
            let spec = ServiceSpec(name: name, template: template, replicas: replicas, ports: options.ports,
                                   stopTimeout: options.stopTimeout)
            print(ScaleReport.describe(try engine.createService(spec)))
        }
    }
}

struct ServiceList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List services with their desired and running replica counts.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false
    @Flag(name: .shortAndLong, help: "Only print names.") var quiet = false

    func run() throws {
        try withErrors {
            let services = try global.engine().listServices()
            if json { try printJSON(services); return }
            if quiet { services.forEach { print($0.name) }; return }
            let rows = services.map { s in
                [s.name, s.image, String(s.desired), String(s.running), s.ports.isEmpty ? "" : s.ports.joined(separator: ","),
                 s.project ?? ""]
            }
            print(Table.render(header: ["NAME", "IMAGE", "DESIRED", "RUNNING", "PORTS", "PROJECT"], rows: rows), terminator: "")
        }
    }
}

struct ServiceRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove services and all their replicas.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .shortAndLong, help: "Seconds each replica gets between SIGTERM and SIGKILL (default: the service's).") var time: Int?
    @Argument(help: "Service names.") var names: [String]

    func run() throws {
        try withServiceErrors {
            let engine = try global.engine()
            for name in names { print(ScaleReport.describe(try engine.removeService(name, stopTimeout: time))) }
        }
    }
}

struct ServiceInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show services as JSON: the template, the counts and the replicas.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Service names.") var names: [String]

    func run() throws {
        try withErrors {
            let all = try global.engine().listServices()
            let found = try names.map { name -> ServiceStatus in
                guard let s = all.first(where: { $0.name == name }) else { throw BerthError.invalidArgument("no such service: \(Quoted.escapeControls(name))") }
                return s
            }
            try printJSON(found)
        }
    }
}

/// As `withErrors`, and a replica that failed mid-change reports what was done before it.
func withServiceErrors(_ body: () throws -> Void) throws {
    try withErrors {
        do { try body() } catch let e as ServiceError {
            if let r = e.result, r.changed { print(ScaleReport.describe(r)) }
            throw e.berthError
        }
    }
}
