import BerthOS
import Foundation

/// One container as `ps --format` templates see it: docker's field names (`ID`, `Image`,
/// `Command`, `CreatedAt`, `RunningFor`, `Ports`, `Status`, `State`, `Names`, `Labels`,
/// `Networks`, `Mounts`), all strings, and the column titles docker gives them in a table.
public enum PSRow {
    public static let headers: [String: String] = [
        "ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
        "RunningFor": "CREATED", "Ports": "PORTS", "Status": "STATUS", "State": "STATE", "Names": "NAMES",
        "Labels": "LABELS", "Networks": "NETWORKS", "Mounts": "MOUNTS", "Size": "SIZE",
    ]

    public static func value(_ c: ContainerInfo, now: Date, truncate: Bool) -> TemplateValue {
        let command = c.command.joined(separator: " ")
        var o: [String: TemplateValue] = [
            "ID": .string(truncate ? c.shortID : c.id), "Image": .string(c.image),
            "Command": .string("\"" + (truncate && command.count > 20 ? String(command.prefix(19)) + "…" : command) + "\""),
            "CreatedAt": .string(Timestamp(c.created).rfc3339),
            "RunningFor": .string(HumanDuration.format(now.timeIntervalSince(c.created)) + " ago"),
            "Ports": .string(c.ports.map(\.description).joined(separator: ", ")),
            "Status": .string(StatusText.describe(c.state, now: now)), "State": .string(ContainerListFilter.status(c)),
            "Names": .string(c.name), "Networks": .string(c.networks.isEmpty ? c.network.rawValue : c.networks.map(\.network).joined(separator: ",")), "Mounts": .string(""), "Size": .string(""),
            "Labels": .string(c.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")),
        ]
        o["Label"] = .object(c.labels.mapValues(TemplateValue.string))
        return .object(o)
    }

    /// The header row of a `table …` template: each field rendered as its title.
    public static var headerValue: TemplateValue {
        var o = headers.mapValues(TemplateValue.string)
        o["Label"] = .object([:])
        return .object(o)
    }
}
