import ArgumentParser
import BerthRuntime

struct VolumeList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List volumes.", aliases: ["list"])
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Print names only.") var quiet = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try withErrors {
            let volumes = try global.engine().volumes()
            if quiet { volumes.forEach { print($0.name) }; return }
            if json { try printJSON(volumes); return }
            print(Table.render(header: ["DRIVER", "VOLUME NAME"], rows: volumes.map { ["local", $0.name] }), terminator: "")
        }
    }
}
