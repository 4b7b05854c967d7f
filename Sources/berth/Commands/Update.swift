import ArgumentParser
import BerthOS
import BerthRuntime

struct Update: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Change the limits and restart policy of containers, live while they run.")
    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .long], help: ArgumentHelp("Memory limit, e.g. 64m or 1g (at least 6m).", valueName: "bytes")) var memory: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Memory plus swap limit; -1 for unlimited swap.", valueName: "bytes")) var memorySwap: String?
    @Option(help: "Number of CPUs, e.g. 0.5.") var cpus: String?
    @Option(name: [.customShort("c"), .long], help: "Relative CPU weight (default 1024).") var cpuShares: Int?
    @Option(help: ArgumentHelp("CPUs the container may use, e.g. 0-1 or 0,2.", valueName: "list")) var cpusetCpus: String?
    @Option(parsing: .unconditional, help: "Maximum number of processes.") var pidsLimit: Int?
    @Option(help: ArgumentHelp("Soft memory limit (at least 6m, at most --memory).", valueName: "bytes")) var memoryReservation: String?
    @Option(help: ArgumentHelp("CFS period in microseconds (1000-1000000).", valueName: "microseconds")) var cpuPeriod: Int64?
    @Option(parsing: .unconditional, help: ArgumentHelp("CPU time per CFS period in microseconds (at least 1000; -1: no quota).", valueName: "microseconds")) var cpuQuota: Int64?
    @Option(help: ArgumentHelp("Memory nodes the container may allocate from, e.g. 0 or 0-1.", valueName: "list")) var cpusetMems: String?
    @Option(help: ArgumentHelp("Relative block IO weight (10-1000).", valueName: "weight")) var blkioWeight: Int?
    @Option(help: ArgumentHelp("Restart policy: no, always, unless-stopped, on-failure[:N].", valueName: "policy")) var restart: String?
    @Argument(help: "Container names or ids.") var containers: [String]

    func run() throws {
        try withErrors {
            // Parsed by the same types as run's flags; checked by LimitRules in the engine.
            var change = ContainerUpdate()
            if let m = memory { change.memory = try ByteSize.parse(m) }
            if let s = memorySwap { change.memorySwap = try ByteSize.parse(s, allowUnlimited: true) }
            if let c = cpus { change.cpus = try CPUs.number(c) }
            change.cpuShares = cpuShares
            change.cpusetCpus = cpusetCpus
            change.pidsLimit = pidsLimit
            if let r = memoryReservation { change.memoryReservation = try ByteSize.parse(r) }
            // docker: 0 leaves the setting as it is.
            change.cpuPeriod = cpuPeriod == 0 ? nil : cpuPeriod
            change.cpuQuota = cpuQuota == 0 ? nil : cpuQuota
            change.cpusetMems = cpusetMems
            change.blkioWeight = blkioWeight == 0 ? nil : blkioWeight
            if let restart { change.restartPolicy = try RestartPolicy(parsing: restart) }
            guard !change.isEmpty else { throw BerthError.invalidArgument("update needs at least one setting to change (--memory, --cpus, --pids-limit, --restart, …)") }
            let engine = try global.engine()
            try forEach(containers) { try engine.update($0, change) }
        }
    }
}
