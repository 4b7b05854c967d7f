import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

/// `berth system df [-v]`: docker's table of images, containers, volumes and build cache.
struct SystemDF: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "df", abstract: "Show the disk space images, containers and volumes use.")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "One row per image, container and volume.") var verbose = false
    @Option(help: ArgumentHelp("json or a Go template over each row (.Type .TotalCount .Active .Size .Reclaimable).", valueName: "format"))
    var format: String?

    struct Row: Encodable {
        var `Type`: String
        var TotalCount: String
        var Active: String
        var Size: String
        var Reclaimable: String
    }

    func run() throws {
        try withRuntimeErrors {
            let usage = try global.engine().diskUsage()
            let rows = Self.summary(usage)
            if let format {
                let template = format == "json" ? nil : try Template(format)
                for row in rows {
                    let value = try TemplateValue(encoding: row)
                    print(try template?.render(value) ?? value.jsonText)
                }
                return
            }
            guard verbose else {
                print(Table.render(header: ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"],
                                   rows: rows.map { [$0.Type, $0.TotalCount, $0.Active, $0.Size, $0.Reclaimable] }), terminator: "")
                return
            }
            print(Self.verbose(usage), terminator: "")
        }
    }

    static func size(_ bytes: UInt64) -> String { ByteSize.format(Int64(bytes)) }

    static func percent(_ part: UInt64, of total: UInt64) -> String {
        total == 0 ? "" : " (\(Int((Double(part) / Double(total) * 100).rounded()))%)"
    }

    static func summary(_ u: DiskUsage) -> [Row] {
        let activeImages = Set(u.images.filter { $0.containers > 0 }.map(\.record.id)).count
        let containersSize = u.containers.reduce(UInt64(0)) { $0 + $1.size }
        let stoppedSize = u.containers.filter { !$0.info.state.isRunning }.reduce(UInt64(0)) { $0 + $1.size }
        let volumesSize = u.volumes.reduce(UInt64(0)) { $0 + $1.size }
        let unusedVolumes = u.volumes.filter { $0.links == 0 }.reduce(UInt64(0)) { $0 + $1.size }
        return [
            Row(Type: "Images", TotalCount: String(Set(u.images.map(\.record.id)).count), Active: String(activeImages),
                Size: size(u.imagesSize), Reclaimable: size(u.imagesReclaimable) + percent(u.imagesReclaimable, of: u.imagesSize)),
            Row(Type: "Containers", TotalCount: String(u.containers.count), Active: String(u.containers.filter { $0.info.state.isRunning }.count),
                Size: size(containersSize), Reclaimable: size(stoppedSize) + percent(stoppedSize, of: containersSize)),
            Row(Type: "Local Volumes", TotalCount: String(u.volumes.count), Active: String(u.volumes.filter { $0.links > 0 }.count),
                Size: size(volumesSize), Reclaimable: size(unusedVolumes) + percent(unusedVolumes, of: volumesSize)),
            Row(Type: "Build Cache", TotalCount: String(u.buildCache.steps + u.buildCache.mounts.count),
                Active: String(u.buildCache.mounts.filter(\.inUse).count), Size: size(u.buildCache.size),
                Reclaimable: size(u.buildCache.reclaimable)),
        ]
    }

    /// Names and commands come from users and images: each cell is escaped.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        Table.render(header: header, rows: rows.map { $0.map(Quoted.escapeControls) })
    }

    static func verbose(_ u: DiskUsage) -> String {
        let now = Date()
        var text = "Images space usage:\n\n"
        text += table(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "UNIQUE SIZE", "CONTAINERS"], u.images.map {
            [$0.record.name, $0.record.tag, $0.record.shortID, HumanDuration.format(now.timeIntervalSince($0.record.created)) + " ago",
             size($0.record.size), size($0.uniqueSize), String($0.containers)]
        })
        text += "\nContainers space usage:\n\n"
        text += table(["CONTAINER ID", "IMAGE", "COMMAND", "SIZE", "CREATED", "STATUS", "NAMES"], u.containers.map {
            [$0.info.shortID, $0.info.image, "\"" + $0.info.command.joined(separator: " ").prefix(20) + "\"", size($0.size),
             HumanDuration.format(now.timeIntervalSince($0.info.created)) + " ago", StatusText.describe($0.info.state, now: now), $0.info.name]
        })
        text += "\nLocal Volumes space usage:\n\n"
        text += table(["VOLUME NAME", "LINKS", "SIZE"], u.volumes.map { [$0.info.name, String($0.links), size($0.size)] })
        text += "\nBuild cache usage: \(size(u.buildCache.size))\n\n"
        // docker's columns: the cache mounts one per row, the step cache as one row.
        var rows = u.buildCache.mounts.map { [String($0.name.prefix(12)), "exec.cachemount", size($0.size), $0.inUse ? "true" : "false"] }
        if u.buildCache.steps > 0 {
            rows.append(["\(u.buildCache.steps) steps", "regular", size(u.buildCache.stepLayersSize), "false"])
        }
        text += table(["CACHE ID", "CACHE TYPE", "SIZE", "IN USE"], rows)
        return text
    }
}
