import ArgumentParser
import BerthRuntime
import Foundation

struct VolumeInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show volumes as JSON, with the containers using them.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Volume names.") var names: [String]

    struct Output: Encodable {
        var Name: String; var Driver = "local"; var Mountpoint: String; var CreatedAt: Date
        var Labels: [String: String]; var Scope = "local"; var Anonymous: Bool; var UsedBy: [String]
    }

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            let users = engine.volumeUsers()
            try printJSON(try names.map { name in
                let v = try engine.inspectVolume(name)
                return Output(Name: v.name, Mountpoint: v.mountpoint, CreatedAt: v.created, Labels: v.labels,
                              Anonymous: v.anonymous, UsedBy: (users[v.name] ?? []).sorted())
            })
        }
    }
}
