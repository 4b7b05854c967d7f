import BerthOS
import Foundation

/// One image as `images --format` templates see it: docker's field names, all strings, and the
/// column titles docker gives them in a table.
public enum ImageRow {
    public static let headers: [String: String] = [
        "ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST", "CreatedSince": "CREATED",
        "CreatedAt": "CREATED AT", "Size": "SIZE", "VirtualSize": "VIRTUAL SIZE", "Containers": "CONTAINERS",
    ]

    public static func value(_ image: ImageRecord, now: Date, truncate: Bool) -> TemplateValue {
        let size = ByteSize.format(Int64(image.size))
        return .object([
            "ID": .string(truncate ? image.shortID : "sha256:" + image.id), "Repository": .string(image.name),
            "Tag": .string(image.tag), "Digest": .string(image.manifestDigest ?? "<none>"),
            "CreatedSince": .string(HumanDuration.format(now.timeIntervalSince(image.created)) + " ago"),
            "CreatedAt": .string(Timestamp(image.created).rfc3339), "Size": .string(size), "VirtualSize": .string(size),
            "Containers": .string("N/A"),
        ])
    }

    public static var headerValue: TemplateValue { .object(headers.mapValues(TemplateValue.string)) }
}

/// One row of `history --format`: docker's `ID`, `CreatedSince`, `CreatedAt`, `CreatedBy`, `Size`, `Comment`.
public enum HistoryRow {
    public static let headers: [String: String] = [
        "ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY",
        "Size": "SIZE", "Comment": "COMMENT",
    ]

    public static func value(_ entry: ImageHistoryEntry, now: Date, truncate: Bool) -> TemplateValue {
        var createdBy = entry.createdBy
        if truncate && createdBy.count > 45 { createdBy = String(createdBy.prefix(44)) + "…" }
        return .object([
            "ID": .string(entry.id.map { truncate ? String($0.prefix(12)) : "sha256:" + $0 } ?? "<missing>"),
            "CreatedSince": .string(entry.created.map { HumanDuration.format(now.timeIntervalSince($0)) + " ago" } ?? "N/A"),
            "CreatedAt": .string(entry.created.map { Timestamp($0).rfc3339 } ?? ""),
            "CreatedBy": .string(createdBy), "Size": .string(ByteSize.format(Int64(entry.size))), "Comment": .string(entry.comment),
        ])
    }

    public static var headerValue: TemplateValue { .object(headers.mapValues(TemplateValue.string)) }
}
