import ArgumentParser
import BerthOS
import BerthRuntime

struct ServiceAutoscale: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autoscale", abstract: "Make a service's replica count follow its CPU or memory use.",
        discussion: """
            Kubernetes' HorizontalPodAutoscaler rule: desired = ceil(current × use / target), with a 10% \
            tolerance, the stabilization windows, growth by at most max(4, 100%) per step, within MIN..MAX. \
            Use is the replicas' average in percent of their own limit (--cpus; one core without one). \
            A controller process per service samples and scales; `service ls` shows it, `berth events \
            --filter type=service` its decisions. Given again, only the flags named change. See docs/services.md.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "Fewest replicas.") var min: Int?
    @Option(help: "Most replicas.") var max: Int?
    @Option(name: .customLong("cpu-target"), help: ArgumentHelp("Average CPU use to keep, in percent of each replica's CPU limit.", valueName: "P%")) var cpuTarget: String?
    @Option(name: .customLong("memory-target"), help: ArgumentHelp("Average memory use to keep, in percent of each replica's memory limit.", valueName: "P%")) var memoryTarget: String?
    @Option(name: .customLong("scale-up-stabilization"), help: ArgumentHelp("How long the lowest recommendation holds growth back (default 0s).", valueName: "duration")) var upWindow: String?
    @Option(name: .customLong("scale-down-stabilization"), help: ArgumentHelp("How long the highest recommendation holds shrinking back (default 5m).", valueName: "duration")) var downWindow: String?
    @Option(help: ArgumentHelp("Time between samples (default 15s).", valueName: "duration")) var interval: String?
    @Flag(help: "Turn autoscaling off; the count stays where it is.") var off = false
    @Argument(help: "Service name.") var name: String

    func run() throws {
        try withServiceErrors {
            let engine = try global.engine()
            if off {
                guard [min, max].allSatisfy({ $0 == nil }), [cpuTarget, memoryTarget, upWindow, downWindow, interval].allSatisfy({ $0 == nil }) else {
                    throw BerthError.invalidArgument("--off takes no other flag")
                }
                print(ScaleReport.describe(try engine.setAutoscale(name, policy: nil)))
                return
            }
            let existing = try engine.service(name).autoscale
            guard existing != nil || (min != nil && max != nil) else {
                throw BerthError.invalidArgument("autoscaling \(name) needs --min and --max")
            }
            var policy = existing ?? AutoscalePolicy(min: 1, max: 1)
            if let min { policy.min = min }
            if let max { policy.max = max }
            if let cpuTarget { policy.cpuTarget = try Self.percent(cpuTarget, flag: "--cpu-target") }
            if let memoryTarget { policy.memoryTarget = try Self.percent(memoryTarget, flag: "--memory-target") }
            if let upWindow { policy.scaleUpStabilization = try Self.duration(upWindow, flag: "--scale-up-stabilization") }
            if let downWindow { policy.scaleDownStabilization = try Self.duration(downWindow, flag: "--scale-down-stabilization") }
            if let interval { policy.interval = try Self.duration(interval, flag: "--interval") }
            print(ScaleReport.describe(try engine.setAutoscale(name, policy: policy)))
        }
    }

    static func percent(_ text: String, flag: String) throws -> Int {
        guard let n = Int(text.hasSuffix("%") ? String(text.dropLast()) : text) else {
            throw BerthError.invalidArgument("\(flag): expected a percentage such as 50%, not \(text.quoted)")
        }
        return n
    }

    static func duration(_ text: String, flag: String) throws -> Double {
        do { return try DurationParser.parseDuration(text) } catch { throw BerthError.invalidArgument("\(flag): \(error.description)") }
    }
}

/// The controller of an autoscaled service, started by the engine (`ensureAutoscaler`), not by
/// people: the monitor, or with `--worker` the sampling loop it runs and restarts.
struct ServiceAutoscaler: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autoscaler", abstract: "Run a service's autoscaling controller (started by Berth).",
        shouldDisplay: false)
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Run the sampling loop instead of the monitor that restarts it.") var worker = false
    @Argument(help: "Service name.") var name: String

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            if worker { try engine.runAutoscaler(name) } else { try engine.runAutoscalerMonitor(name) }
        }
    }
}
