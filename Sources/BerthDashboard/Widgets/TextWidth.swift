import Foundation

/// Terminal cell widths of text, so columns line up with wide (CJK) characters and never overflow.
public enum TextWidth {
    /// Cells one character takes: 0 for combining marks, 2 for wide ones, else 1.
    public static func of(_ c: Character) -> Int {
        guard let first = c.unicodeScalars.first else { return 0 }
        if first.value < 0x7f { return first.value < 0x20 ? 0 : 1 }
        return width(of: first.value)
    }

    /// East Asian wide and fullwidth ranges and emoji take two cells; combining marks none.
    /// A table of our own, because glibc's `wcwidth` is not visible to Swift without `_XOPEN_SOURCE`.
    static func width(of v: UInt32) -> Int {
        switch v {
        case 0x0300...0x036F, 0x0483...0x0489, 0x0591...0x05BD, 0x0610...0x061A, 0x064B...0x065F,
             0x200B...0x200F, 0x20D0...0x20FF, 0xFE00...0xFE0F, 0xFE20...0xFE2F:
            return 0
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    /// Whether a character may go to the terminal as it is. Not C0/C1 controls and DEL (they move
    /// the cursor or start escapes), nor the bidirectional formatting characters (U+202A–U+202E,
    /// U+2066–U+2069, U+200E/U+200F, U+061C): a container name or log line holding U+202E would
    /// reverse the rest of the row as drawn, so text could pass for other text.
    public static func isDisplayable(_ v: UInt32) -> Bool {
        switch v {
        case 0..<0x20, 0x7f...0x9f, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return false
        default: return true
        }
    }

    public static func of(_ s: String) -> Int {
        if s.utf8.allSatisfy({ $0 < 0x80 }) { return s.utf8.count }
        return s.reduce(0) { $0 + of($1) }
    }

    /// `s` cut to at most `width` cells, ending in `ellipsis` when something was cut.
    public static func truncate(_ s: String, to width: Int, ellipsis: String = "…") -> String {
        guard width > 0 else { return "" }
        if of(s) <= width { return s }
        let room = width - of(ellipsis)
        guard room >= 0 else { return String(repeating: ".", count: width) }
        var out = ""
        var used = 0
        for c in s {
            let w = of(c)
            if used + w > room { break }
            out.append(c)
            used += w
        }
        return out + ellipsis
    }

    /// `s` truncated or padded with spaces to exactly `width` cells.
    public static func fit(_ s: String, _ width: Int, alignRight: Bool = false, ellipsis: String = "…") -> String {
        let t = truncate(s, to: width, ellipsis: ellipsis)
        let pad = max(0, width - of(t))
        if pad == 0 { return t }
        let spaces = String(repeating: " ", count: pad)
        return alignRight ? spaces + t : t + spaces
    }
}
