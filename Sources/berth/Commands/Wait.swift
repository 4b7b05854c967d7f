import ArgumentParser
import BerthOS
import BerthRuntime

struct Wait: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wait", abstract: "Wait for containers to stop and print their exit codes.")
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("not-running (default), next-exit or removed.", valueName: "condition")) var condition: String = "not-running"
    @Argument(help: "Container names or ids.") var containers: [String]

    func run() throws {
        try withRuntimeErrors {
            guard let condition = WaitCondition(rawValue: condition) else {
                throw BerthError.invalidArgument("invalid condition \(condition.quoted): not-running, next-exit or removed")
            }
            // Impossible names are bad input (125) before any container is waited for.
            for ref in containers { try ResourceName.validate(ref, kind: .container) }
            let engine = try global.engine()
            var failed = false
            for ref in containers {
                do {
                    print(try engine.wait(ref, condition: condition))
                } catch let e as BerthError {
                    printErr("berth: " + Quoted.escapeControls(e.description))
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
