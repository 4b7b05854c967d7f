import BerthRuntime

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
    /// Text, or a regex written `re:PATTERN`, as in the logs pane.
    public var search = ""
    public var searchDirection = SearchDirection.down
    /// The line of the current match.
    public var matchLine: Int?

    public init() {}

    init(id: String, name: String) {
        self.id = id; self.name = name; loading = true
    }

    /// Lines holding `search` (ASCII case ignored), or matching it as a regex; none when the
    /// regex does not compile (`jumpToInspectMatch` says why).
    public var matches: [Int] {
        guard !search.isEmpty, let matcher = try? LogPattern(term: search).matcher() else { return [] }
        return lines.indices.filter { matcher.matches(lines[$0]) }
    }
}
