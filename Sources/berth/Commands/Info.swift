import ArgumentParser
import BerthRuntime

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Show the state root, containers, images and host.")
    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("'json' or a Go template such as '{{.ContainersRunning}}'.", valueName: "format"))
    var format: String?

    func run() throws {
        try withRuntimeErrors {
            let engine = try global.engine()
            let i = try engine.systemInfo(version: Berth.configuration.version)
            try Formatted.print(i, format: format) {
                """
                Containers: \(i.containers)
                 Running: \(i.containersRunning)
                 Paused: \(i.containersPaused)
                 Stopped: \(i.containersStopped)
                Images: \(i.images)
                Server Version: \(i.serverVersion)
                Storage Driver: \(i.driver)
                Cgroup Version: \(i.cgroupVersion)
                Cgroup Parent: \(i.berth.cgroupParent ?? "(Berth's default, under the caller's cgroup)")
                Kernel Version: \(i.kernelVersion)
                Operating System: \(i.operatingSystem)
                OSType: \(i.osType)
                Architecture: \(i.architecture)
                CPUs: \(i.ncpu)
                Total Memory: \(i.memTotal)
                Name: \(i.name)
                Root Dir: \(i.rootDir)
                Events Journal: \(i.berth.eventsJournal)

                """
            }
        }
    }
}
