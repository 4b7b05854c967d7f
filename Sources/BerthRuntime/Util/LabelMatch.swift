/// docker's `label=` filter: `KEY` matches when the label is set, `KEY=VALUE` when it has that value.
/// One rule for `ps --filter` and `events --filter`.
enum LabelMatch {
    static func matches(_ wanted: String, in labels: [String: String]) -> Bool {
        guard let eq = wanted.firstIndex(of: "=") else { return labels[wanted] != nil }
        return labels[String(wanted[..<eq])] == String(wanted[wanted.index(after: eq)...])
    }
}
