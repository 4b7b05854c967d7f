import ArgumentParser
import BerthRuntime

/// `inspect` and `container inspect`: containers in docker's shape (`DockerInspect`), as a JSON
/// array, or each through a `--format` template, one line each.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show containers' details as JSON, in docker's shape.")
    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("A Go template over docker's inspect keys ({{.State.Status}}, {{json .Config}}), or 'json'.", valueName: "format"))
    var format: String?
    @Argument(help: "Container names or ids.") var containers: [String]

    func run() throws {
        try withRuntimeErrors {
            // The template is parsed before any container is read: a bad one is one line and 125.
            let template = try format.flatMap { $0 == "json" ? nil : try Template($0) }
            let engine = try global.engine()
            if let format {
                for ref in containers {
                    let value = try engine.dockerInspect(ref)
                    print(format == "json" ? value.jsonText : try template!.render(value))
                }
                return
            }
            let values = try containers.map { try engine.dockerInspect($0) }
            print(TemplateValue.array(values).prettyJSON())
        }
    }
}
