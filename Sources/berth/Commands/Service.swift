import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

struct ServiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service", abstract: "Manage services: container templates with a number of replicas.",
        discussion: "Replicas are containers named SERVICE-1, SERVICE-2, … labelled berth.service=SERVICE. Change the count with `berth scale`. See docs/services.md.",
        subcommands: [ServiceCreate.self, ServiceUpdate.self, ServiceList.self, ServiceRemove.self, ServiceInspect.self,
                      ServiceAutoscale.self, ServiceAutoscaler.self])
}

struct ServiceCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a service and start its replicas.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Number of replicas to start.") var replicas: Int = 1
    @Option(name: .customLong("stop-timeout"), help: "Seconds a stopping replica gets between SIGTERM and SIGKILL.") var stopTimeout: Int = ServiceSpec.defaultStopTimeout
    /// The same flags as `run`, with the same meaning; the template they make is what every replica is created from.
    @OptionGroup var flags: ContainerFlags
    @OptionGroup var more: RunOptionFlags
    @Argument(help: "Service name; replicas are named NAME-1, NAME-2, …") var name: String
    @Argument(help: "Image name[:tag] or id.") var image: String
    @Argument(parsing: .captureForPassthrough, help: "Command and arguments (default: the image's).") var command: [String] = []

    func run() throws {
        try withServiceErrors {
            let engine = try global.engine()
            guard stopTimeout >= 0 else { throw BerthError.invalidArgument("--stop-timeout must be 0 or more") }
            var template = try flags.request(image: image, command: command, cgroupParent: global.effectiveCgroupParent, more: more,
                                             restartDefault: ServiceSpec.defaultRestartPolicy)
            // Published ports belong to the service (replica 1 binds them), not to every replica.
            template.ports = []
            let spec = ServiceSpec(name: name, template: template, replicas: replicas, ports: flags.publish,
                                   stopTimeout: stopTimeout)
            print(ScaleReport.describe(try engine.createService(spec)))
        }
    }
}

struct ServiceUpdate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Change a service's template or replica count.",
        discussion: "Only the flags given change (a list flag such as -e or -l replaces the whole list). Replicas of a changed template are recreated; the count is then scaled as `berth scale` does.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Number of replicas.") var replicas: Int?
    @Option(help: ArgumentHelp("The image of the replicas.", valueName: "image")) var image: String?
    @Option(name: .customLong("stop-timeout"), help: "Seconds a stopping replica gets between SIGTERM and SIGKILL.") var stopTimeout: Int?
    /// The same flags as `run` and `service create`, with the same meaning.
    @OptionGroup var flags: ContainerFlags
    @OptionGroup var more: RunOptionFlags
    @Argument(help: "Service name.") var name: String

    func run() throws {
        try withServiceErrors {
            let engine = try global.engine()
            guard var spec = try engine.listServices().first(where: { $0.name == name })?.spec else {
                throw BerthError.invalidArgument("no such service: \(Quoted.escapeControls(name))")
            }
            if let project = spec.project {
                throw BerthError.invalidArgument("service \(name) belongs to compose project \(project): change its compose file and run `berth up`")
            }
            try flags.apply(to: &spec.template, more: more)
            if !spec.template.ports.isEmpty { spec.ports = flags.publish }
            spec.template.ports = []
            if let image { spec.template.image = image }
            if let replicas { spec.replicas = replicas }
            if let stopTimeout {
                guard stopTimeout >= 0 else { throw BerthError.invalidArgument("--stop-timeout must be 0 or more") }
                spec.stopTimeout = stopTimeout
            }
            print(ScaleReport.describe(try engine.applyService(spec)))
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
                 s.project ?? "", Self.autoscaleColumn(s.autoscaler)]
            }
            print(Table.render(header: ["NAME", "IMAGE", "DESIRED", "RUNNING", "PORTS", "PROJECT", "AUTOSCALE"], rows: rows), terminator: "")
        }
    }
}

extension ServiceList {
    /// `2..8 cpu 50%`, with `(controller down)` while its monitor is being restarted.
    static func autoscaleColumn(_ a: AutoscalerStatus?) -> String {
        guard let a else { return "" }
        return a.policy.summary + (a.running ? "" : " (controller down)")
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
