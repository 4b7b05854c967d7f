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
            let engine = try global.engine()
            for ref in containers { print(try engine.wait(ref, condition: condition)) }
        }
    }
}
