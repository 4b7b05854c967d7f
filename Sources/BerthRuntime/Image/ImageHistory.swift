import BerthOS
import Foundation

/// One row of `berth history`: a step of the image config's `history`, newest first, as docker
/// shows it. `size` is the layer the step made (0 for `empty_layer` steps); `id` is the image's
/// for the newest row and nil (`<missing>`) for the others, as docker shows a pulled image.
public struct ImageHistoryEntry: Sendable, Equatable {
    public var id: String?
    public var created: Date?
    public var createdBy: String
    public var size: UInt64
    public var comment: String
}

extension ImageStore {
    /// The image's history from its stored config; an image without one (a rootfs, or one
    /// imported before configs were kept) gets one row per layer.
    public func history(_ image: ImageRecord) -> [ImageHistoryEntry] {
        let sizes = image.layerSizes ?? Array(repeating: 0, count: image.layers.count)
        let steps = configBytes(image).flatMap { try? JSONDecoder().decode(OCIImageConfigFile.self, from: Data($0)) }?.history ?? []
        var rows: [ImageHistoryEntry] = []
        var layer = 0
        for step in steps {
            var size: UInt64 = 0
            if step.empty_layer != true, layer < sizes.count { size = sizes[layer]; layer += 1 }
            rows.append(ImageHistoryEntry(id: nil, created: step.created.flatMap { Timestamp(rfc3339: $0)?.date },
                                          createdBy: step.created_by ?? "", size: size, comment: step.comment ?? ""))
        }
        // Layers the history does not account for (none, or a config that lists too few steps).
        while layer < sizes.count {
            rows.append(ImageHistoryEntry(id: nil, created: image.created, createdBy: "", size: sizes[layer],
                                          comment: image.format == "rootfs" ? "imported from a root filesystem" : ""))
            layer += 1
        }
        rows.reverse()
        if !rows.isEmpty { rows[0].id = image.id }
        return rows
    }
}
