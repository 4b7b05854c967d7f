/// The characters the view draws with. `ascii` is used when the locale cannot show UTF-8, so
/// borders and graphs never turn into blanks.
public struct Glyphs: Sendable, Equatable {
    public var horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: Character
    public var teeLeft, teeRight: Character
    public var running, exited, created, restarting, dead: Character
    public var barFull, barEmpty: Character
    public var ellipsis: String
    public var selector: Character
    public var groupOpen: Character
    /// A collapsed service heading.
    public var groupClosed: Character
    /// Before the name of a marked container.
    public var marked: Character
    public var separator: String
    public var unicode: Bool

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "╭", topRight: "╮", bottomLeft: "╰", bottomRight: "╯",
        teeLeft: "├", teeRight: "┤",
        running: "●", exited: "○", created: "◌", restarting: "◐", dead: "✖",
        barFull: "█", barEmpty: "░", ellipsis: "…", selector: "▶", groupOpen: "▾", groupClosed: "▸", marked: "✓", separator: " · ", unicode: true)

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        teeLeft: "+", teeRight: "+",
        running: "*", exited: "o", created: ".", restarting: "~", dead: "x",
        barFull: "#", barEmpty: ".", ellipsis: "~", selector: ">", groupOpen: "v", groupClosed: ">", marked: "+", separator: " | ", unicode: false)
}
