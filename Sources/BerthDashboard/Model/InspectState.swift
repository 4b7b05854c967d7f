/// The inspect view: the selected container's inspect document (what `berth inspect --format
/// json` prints, indented), read once when the view opens, scrolled and searched.
public struct InspectState: Equatable, Sendable {
    public var id = ""
    public var name = ""
    public var lines: [String] = []
    public var loading = false
    public var error: String?
    /// Lines scrolled past at the top.
    public var scroll = 0
    public var search = ""
    /// The line of the current match.
    public var matchLine: Int?

    public init() {}

    init(id: String, name: String) {
        self.id = id; self.name = name; loading = true
    }

    /// Lines holding `search` (case-insensitive).
    public var matches: [Int] {
        guard !search.isEmpty else { return [] }
        let needle = search.lowercased()
        return lines.indices.filter { lines[$0].lowercased().contains(needle) }
    }
}
