import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `images --filter`: docker's keys `dangling`, `label`, `before`, `since` and `reference` (a
/// glob over `name` or `name:tag`, as docker matches it). Berth keeps no untagged images, so
/// `dangling=true` matches none and `dangling=false` all.
public struct ImageListFilter: Sendable {
    private let values: [String: [String]]
    private let before: [Date]
    private let since: [Date]

    public static let keys = ["dangling", "label", "before", "since", "reference"]

    /// `resolve` finds the image `before=`/`since=` name (an unknown one is an error, as docker's).
    public init(_ specs: [String], resolve: (String) throws -> ImageRecord) throws {
        values = try FilterSpecs.parse(specs, keys: Self.keys, by: "images filters") { key, value in
            key == "dangling" && value != "true" && value != "false" ? "invalid filter 'dangling=\(Quoted.escapeControls(value))': use true or false" : nil
        }
        before = try (values["before"] ?? []).map { try resolve($0).created }
        since = try (values["since"] ?? []).map { try resolve($0).created }
    }

    public func matches(_ image: ImageRecord) -> Bool {
        if let d = values["dangling"], !d.contains("false") { return false }
        if let labels = values["label"], !labels.allSatisfy({ FilterSpecs.label($0, in: image.config.labels) }) { return false }
        if !before.allSatisfy({ image.created < $0 }) { return false }
        if !since.allSatisfy({ image.created > $0 }) { return false }
        if let refs = values["reference"], !refs.contains(where: { Self.glob($0, image.name) || Self.glob($0, image.reference) }) { return false }
        return true
    }

    private static func glob(_ pattern: String, _ text: String) -> Bool { fnmatch(pattern, text, 0) == 0 }
}
