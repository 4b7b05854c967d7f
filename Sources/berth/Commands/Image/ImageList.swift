import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ImageList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List images.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON (name, tag, id, size, layers, created, config).") var json = false

    func run() throws {
        try withErrors {
            let images = try global.engine().images.list().sorted { ($0.created, $0.reference) > ($1.created, $1.reference) }
            if json { try printJSON(images); return }
            let now = Date()
            let rows = images.map {
                [$0.name, $0.tag, $0.shortID, HumanDuration.format(now.timeIntervalSince($0.created)) + " ago",
                 ByteSize.format(Int64($0.size)), String($0.layers.count)]
            }
            print(Table.render(header: ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "LAYERS"], rows: rows), terminator: "")
        }
    }
}
