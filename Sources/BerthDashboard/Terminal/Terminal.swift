/// A colour as the terminal will receive it, after the theme was resolved for the terminal's abilities.
public enum TermColor: Hashable, Sendable {
    /// The terminal's own default foreground or background.
    case terminalDefault
    /// An xterm palette index (0–15 ANSI, 16–255 cube and greys).
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)
}

public struct TextAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = TextAttributes(rawValue: 1 << 0)
    public static let dim = TextAttributes(rawValue: 1 << 1)
    public static let underline = TextAttributes(rawValue: 1 << 2)
    public static let reverse = TextAttributes(rawValue: 1 << 3)
    public static let italic = TextAttributes(rawValue: 1 << 4)
}

/// What one cell looks like apart from its character.
public struct CellStyle: Hashable, Sendable {
    public var foreground: TermColor
    public var background: TermColor
    public var attributes: TextAttributes

    public init(foreground: TermColor = .terminalDefault, background: TermColor = .terminalDefault,
                attributes: TextAttributes = []) {
        self.foreground = foreground; self.background = background; self.attributes = attributes
    }

    public static let plain = CellStyle()
}

public struct TerminalSize: Hashable, Sendable {
    public var columns: Int
    public var rows: Int
    public init(columns: Int, rows: Int) { self.columns = columns; self.rows = rows }
}

/// The drawing surface the view renders to. Backends: `NcursesTerminal` (the real screen) and
/// `MemoryTerminal` (a cell grid for tests and the benchmark). Every call happens on one thread.
public protocol Terminal: AnyObject {
    var size: TerminalSize { get }
    /// Blanks the whole screen with `style` (its background becomes the screen's background).
    func clear(style: CellStyle)
    /// Writes `text` starting at (row, column), clipped at the right edge; one cell per character
    /// except wide characters, which take two.
    func put(_ text: String, row: Int, column: Int, style: CellStyle)
    /// Makes the frame visible (ncurses diffs it against the last one).
    func flush()
    /// Sends a control sequence the cell grid knows nothing of (OSC 52, the clipboard) straight
    /// to the terminal, after the frame.
    func write(_ control: [UInt8])
}
