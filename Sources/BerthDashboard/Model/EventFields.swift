import BerthRuntime

/// How the events view reads a journal event: what its filter matches and which attributes it
/// lists first.
extension Event {
    /// The action's own attributes (docs/events.md), listed before the image and the labels.
    static let ownAttributeKeys = ["exitCode", "signal", "oldName"] + Timelines.updateKeys.sorted()

    /// What `/` in the events view matches: the container's name and id, the action, the type,
    /// and each attribute as `key=value`.
    var filterFields: [String] {
        [name, id, action, type] + attributes.map { "\($0.key)=\($0.value)" }
    }

    /// `exitCode=1 signal=9 image=busybox tier=front`: own attributes, the image, then labels by key.
    var attributeText: String {
        var keys = Self.ownAttributeKeys.filter { attributes[$0] != nil }
        if attributes["image"] != nil { keys.append("image") }
        let listed = Set(keys).union(["name"])
        keys += attributes.keys.filter { !listed.contains($0) }.sorted()
        return keys.map { "\($0)=\(attributes[$0]!)" }.joined(separator: " ")
    }
}
