/// The `/` filter: a substring, or a regular expression when the text has regex syntax, matched
/// case-insensitively against name, image, service, id and state; a leading `!` inverts it. The
/// events view uses the same filter on each event's name, id, action and attributes.
/// Unchecked because `Regex` is an immutable value whose `AnyRegexOutput` merely lacks the annotation.
public struct ContainerFilter: @unchecked Sendable {
    public let text: String
    public let inverted: Bool
    private let pattern: String
    private let regex: Regex<AnyRegexOutput>?
    /// Set when the text looked like a regex but did not compile; it is then used as a substring.
    public let regexError: Bool

    static let regexCharacters = Set("^$.*+?()[]{}|\\")

    public init(_ text: String) {
        self.text = text
        var p = Substring(text)
        inverted = p.hasPrefix("!")
        if inverted { p = p.dropFirst() }
        pattern = String(p).lowercased()
        if p.contains(where: { ContainerFilter.regexCharacters.contains($0) }) {
            let compiled = try? Regex(String(p)).ignoresCase()
            regex = compiled
            regexError = compiled == nil
        } else {
            regex = nil
            regexError = false
        }
    }

    public var isEmpty: Bool { pattern.isEmpty }

    public func matches(_ entry: ContainerEntry) -> Bool {
        matches(fields: [entry.info.name, entry.info.image, entry.info.service ?? "", entry.info.id, entry.info.state.status.rawValue, entry.host ?? ""])
    }

    /// Any of `fields` matches (the events view filters its lines with the same rules).
    public func matches(fields: [String]) -> Bool {
        if pattern.isEmpty { return true }
        let hit: Bool
        if let regex {
            hit = fields.contains { (try? regex.firstMatch(in: $0)) != nil }
        } else {
            hit = fields.contains { $0.lowercased().contains(pattern) }
        }
        return hit != inverted
    }
}
