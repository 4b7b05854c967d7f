import ArgumentParser
import BerthRuntime

struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop containers: SIGTERM, then SIGKILL after the timeout.")
    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .customLong("time")], help: "Seconds to wait before SIGKILL.") var time: Int = 10
    @Argument(help: "Container names or ids.") var containers: [String]

    func run() throws {
        try withErrors {
            guard time >= 0 else { throw BerthError.invalidArgument("--time must not be negative") }
            let engine = try global.engine()
            try forEach(containers) { try engine.stop($0, timeout: time) }
        }
    }
}

struct Restart: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restart", abstract: "Stop then start containers.")
    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .customLong("time")], help: "Seconds to wait before SIGKILL.") var time: Int = 10
    @Argument(help: "Container names or ids.") var containers: [String]

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            try forEach(containers) { try engine.restart($0, timeout: time) }
        }
    }
}

struct Kill: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kill", abstract: "Send a signal to containers' init process (default SIGKILL).")
    @OptionGroup var global: GlobalOptions
    @Option(name: .shortAndLong, help: "Signal name or number.") var signal: String = "KILL"
    @Argument(help: "Container names or ids.") var containers: [String]

    func run() throws {
        try withErrors {
            let sig = try SignalName.parse(signal)
            let engine = try global.engine()
            try forEach(containers) { try engine.kill($0, signal: sig) }
        }
    }
}

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove containers with their cgroups, logs and writable layer.")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Kill and remove running containers.") var force = false
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
            try forEach(containers) { try engine.remove($0, force: force) }
        }
    }
}

struct Wait: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wait", abstract: "Wait for containers to stop and print their exit codes.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Container names or ids.") var containers: [String]

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            for ref in containers { print(try engine.wait(ref)) }
        }
    }
}
