import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Live resource use of running containers, read from their cgroups.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print one sample and exit.") var noStream = false
    @Flag(help: "Print JSON (one array per sample).") var json = false
    @Argument(help: "Only these containers (default: all running).") var containers: [String] = []

    struct Row: Encodable {
        var id: String
        var name: String
        var cpuPercent: Double
        var memoryUsage: UInt64
        var memoryLimit: UInt64?
        var memoryPercent: Double?
        var netRx: UInt64
        var netTx: UInt64
        var blockRead: UInt64
        var blockWrite: UInt64
        var pids: UInt64
        var oomKills: UInt64
    }

    func run() throws {
        try withErrors {
            let engine = try global.engine()
            let wanted = try Set(containers.map { try engine.inspect($0).id })
            var previous = Dictionary(uniqueKeysWithValues: engine.sampleStats().map { ($0.id, $0) })
            while true {
                usleep(noStream ? 250_000 : 1_000_000)
                let names = Dictionary(uniqueKeysWithValues: (try engine.list(all: false)).map { ($0.id, $0.name) })
                let samples = engine.sampleStats().filter { wanted.isEmpty || wanted.contains($0.id) }
                let rows = samples.compactMap { s -> Row? in
                    guard let name = names[s.id] else { return nil }
                    let rates = previous[s.id].map { StatsRates.between($0, s) }
                    let memPct = s.memoryLimit.map { $0 > 0 ? Double(s.memoryUsage) / Double($0) * 100 : 0 }
                    return Row(id: s.id, name: name, cpuPercent: rates?.cpuPercent ?? 0, memoryUsage: s.memoryUsage,
                               memoryLimit: s.memoryLimit, memoryPercent: memPct, netRx: s.netRx, netTx: s.netTx,
                               blockRead: s.blockRead, blockWrite: s.blockWrite, pids: s.pids, oomKills: s.oomKills)
                }.sorted { $0.name < $1.name }
                previous = Dictionary(uniqueKeysWithValues: samples.map { ($0.id, $0) })
                if json {
                    try printJSON(rows)
                } else {
                    if !noStream { print("\u{1B}[2J\u{1B}[H", terminator: "") }
                    print(render(rows), terminator: "")
                }
                fflush(nil)
                if noStream { return }
            }
        }
    }

    private func render(_ rows: [Row]) -> String {
        func b(_ v: UInt64) -> String { ByteSize.format(Int64(clamping: v)) }
        let body = rows.map { r in
            [String(r.id.prefix(12)), r.name, String(format: "%.2f%%", r.cpuPercent),
             b(r.memoryUsage) + " / " + (r.memoryLimit.map(b) ?? "unlimited"),
             r.memoryPercent.map { String(format: "%.2f%%", $0) } ?? "--",
             b(r.netRx) + " / " + b(r.netTx), b(r.blockRead) + " / " + b(r.blockWrite), String(r.pids)]
        }
        return Table.render(header: ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"], rows: body)
    }
}
