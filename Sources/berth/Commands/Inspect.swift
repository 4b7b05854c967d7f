import ArgumentParser
import BerthOCI
import BerthOS
import BerthRuntime
import Foundation

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show a container's details as JSON.")
    @OptionGroup var global: GlobalOptions
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
        var ports: [String]
        var labels: [String: String]
        var logPath: String
        var config: OCI.Spec
    }

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            var out: [Output] = []
            for ref in containers {
                let i = try engine.inspect(ref)
                out.append(Output(id: i.id, name: i.name, image: i.image, created: i.created, command: i.command,
                                  state: i.state, limits: i.limits, restartPolicy: i.restartPolicy.description,
                                  hostname: i.hostname, network: i.network.rawValue, ipAddress: i.ipAddress,
                                  ports: i.ports.map(\.description), labels: i.labels,
                                  logPath: try engine.logPath(i.id), config: try engine.spec(i.id)))
            }
            try printJSON(out)
        }
    }
}
