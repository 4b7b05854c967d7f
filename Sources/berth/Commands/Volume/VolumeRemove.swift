import ArgumentParser
import BerthOS
import BerthRuntime

struct VolumeRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove volumes no container uses (stopped containers count).", aliases: ["remove"])
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "A missing volume is not an error.") var force = false
    @Argument(help: "Volume names.") var names: [String]

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            for name in names { try ResourceName.validate(name, kind: .volume) }
            var failed: BerthError?
            for name in names {
                do {
                    if force, (try? engine.inspectVolume(name)) == nil { continue }
                    try engine.removeVolume(name)
                    print(name)
                } catch let e as BerthError {
                    printErr("berth: " + Quoted.escapeControls(e.description))
                    failed = e
                }
            }
            if let failed { throw ExitCode(failed.exitCode == 125 ? 1 : failed.exitCode) }
        }
    }
}
