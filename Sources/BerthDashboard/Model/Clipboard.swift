import Foundation

/// How `y` reaches the clipboard: an OSC 52 sequence to the terminal (xterm, tmux with
/// `set-clipboard on`, kitty, foot, WezTerm…), or not at all where the terminal might print it
/// (`clipboard: off` in config.yaml).
public enum Clipboard: String, Sendable, CaseIterable {
    case osc52, off

    /// osc52 under tmux, screen and xterm-like terminals, off elsewhere (the Linux console
    /// would show the sequence).
    public static func defaultSetting(environment: [String: String]) -> Clipboard {
        if environment["TMUX"] != nil { return .osc52 }
        let term = environment["TERM"] ?? ""
        let knowing = ["xterm", "tmux", "screen", "rxvt", "alacritty", "kitty", "foot", "wezterm", "st-", "vte"]
        return knowing.contains { term.hasPrefix($0) } ? .osc52 : .off
    }

    /// `text` without control characters (C0, DEL, C1): a line of a log may hold escapes, and
    /// whatever pastes it later should get only its text.
    static func printable(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars where !(u.value < 0x20 || (0x7f...0x9f).contains(u.value)) { out.append(u) }
        return String(out)
    }

    /// `ESC ] 52 ; c ; BASE64 BEL`: sets the clipboard ("c") to `text`.
    static func osc52(_ text: String) -> [UInt8] {
        Array("\u{1b}]52;c;".utf8) + Array(Data(text.utf8).base64EncodedString().utf8) + [0x07]
    }
}
