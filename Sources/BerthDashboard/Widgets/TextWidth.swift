import Foundation

/// Terminal cell widths of text, so columns line up with wide (CJK) characters and never overflow.
public enum TextWidth {
    /// Cells one character takes: 0 for combining marks, 2 for wide ones, else 1.
    public static func of(_ c: Character) -> Int {
        guard let first = c.unicodeScalars.first else { return 0 }
        if first.value < 0x7f { return first.value < 0x20 ? 0 : 1 }
        let w = wcwidth(wchar_t(bitPattern: first.value))
        return w < 0 ? 1 : Int(w)
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
