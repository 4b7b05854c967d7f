import ArgumentParser
import BerthOCI
import BerthOS
import BerthRuntime
import Foundation

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show a container's details as JSON.")
    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("A Go template over docker's inspect keys ({{.State.Status}}, {{json .Config}}), or 'json'.", valueName: "format"))
    var format: String?
    @Argument(help: "Container names or ids.") var containers: [String]

    struct Output: Encodable {
        var id: String
        var name: String
        var image: String
        var created: Date
        var command: [String]
        var state: ContainerState
        var limits: ResourceLimits
        var restartPolicy: String
        var hostname: String
        var network: String
        var ipAddress: String?
        /// The networks it is on, by name: address, interface, aliases.
        var networks: [String: NetworkAttachment]
        var ports: [String]
        var labels: [String: String]
        var logPath: String
        var config: OCI.Spec
        /// The supervisor's record of the healthcheck (docker's `State.Health`); nil without one.
        var health: HealthState?
    }

    func run() throws {
        if let format {
            try withRuntimeErrors { try printFormatted(format) }
            return
        }
        try withErrors {
            let engine = try global.engine()
            var out: [Output] = []
            for ref in containers {
                let i = try engine.inspect(ref)
                out.append(Output(id: i.id, name: i.name, image: i.image, created: i.created, command: i.command,
                                  state: i.state, limits: i.limits, restartPolicy: i.restartPolicy.description,
                                  hostname: i.hostname, network: i.network.rawValue, ipAddress: i.ipAddress,
                                  networks: Dictionary(i.networks.map { ($0.network, $0) }, uniquingKeysWith: { a, _ in a }),
                                  ports: i.ports.map(\.description), labels: i.labels,
                                  logPath: try engine.logPath(i.id), config: try engine.spec(i.id),
                                  health: try engine.health(i.id)))
            }
            try printJSON(out)
        }
    }

    /// `--format`: each container in docker's shape (`DockerInspect`) through the template, one
    /// line each; the template is parsed before any container is read.
    private func printFormatted(_ format: String) throws {
        let template = format == "json" ? nil : try Template(format)
        let engine = try global.engine()
        for ref in containers {
            let record = try engine.resolve(ref)
            let i = try engine.inspect(record.id)
            let value = DockerInspect.value(i, spec: try? engine.spec(i.id), logPath: try engine.logPath(i.id),
                                            imageID: record.imageID, health: try engine.health(i.id))
            print(try template?.render(value) ?? value.jsonText)
        }
    }
}
