/// Which way a search in the logs pane or the inspect view goes, on screen. One rule for both, as
/// in less: a search keeps the direction it was started in, `n` goes on that way, `N` the other.
/// `/` starts it the way the view reads from where it opens — up (older lines) in the logs pane,
/// which opens at the newest line; down in the inspect view, which opens at the top — and
/// Ctrl-R in the search prompt turns it round (less's `?`, a key that here opens the help).
public enum SearchDirection: Sendable, Equatable {
    case up, down

    public var reversed: SearchDirection { self == .up ? .down : .up }

    /// The direction in the logs pane's words (its newest line is at the bottom).
    public var inLogs: String { self == .up ? "older" : "newer" }

    /// The direction in the inspect view's words.
    public var inDocument: String { self == .up ? "up" : "down" }
}
