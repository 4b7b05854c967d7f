import ArgumentParser
import BerthRuntime

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove containers with their cgroups, logs and writable layer.")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Kill and remove running containers.") var force = false
    @Flag(name: .shortAndLong, help: "Also remove the anonymous volumes the container's create made.") var volumes = false
    @Flag(help: .hidden) var autoremove = false
    @Argument(help: "Container names or ids.") var containers: [String]

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            if autoremove {
                // Run by a supervisor for --rm: quiet, and a container already removed is fine.
                for ref in containers { try? engine.remove(ref, force: force, autoremove: true) }
                return
            }
            try forEach(containers) { try engine.remove($0, force: force, volumes: volumes) }
        }
    }
}
