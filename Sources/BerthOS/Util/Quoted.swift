/// Untrusted text (names, image references, paths from archives, user specs) shown in a message.
/// A newline in it must not forge a second `berth:` line, and escape sequences or bidi overrides
/// must not reach the terminal: control characters (C0, DEL, C1) and the bidi embedding, override
/// and isolate characters are written as escapes (`\n`, `\x1b`, `\u{202e}`).
public enum Quoted {
    /// `s` in single quotes, with `\` and `'` escaped too, so the quoted text is unambiguous.
    public static func quote(_ s: String) -> String {
        "'" + escape(s, quotes: true) + "'"
    }

    /// `s` with control and bidi characters escaped, without quotes: the last guard on a whole
    /// message before it is printed (backslashes are left alone, so it can be applied twice).
    public static func escapeControls(_ s: String) -> String {
        escape(s, quotes: false)
    }

    /// True for the scalars `escape` rewrites.
    public static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0..<0x20, 0x7F, 0x80...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    private static func escape(_ s: String, quotes: Bool) -> String {
        if !s.unicodeScalars.contains(where: { needsEscape($0) || (quotes && ($0 == "\\" || $0 == "'")) }) { return s }
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count + 8)
        for u in s.unicodeScalars {
            switch u {
            case "\\" where quotes: out += "\\\\"
            case "'" where quotes: out += "\\'"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if !needsEscape(u) {
                    out.unicodeScalars.append(u)
                } else if u.value < 0x100 {
                    out += "\\x" + hex(u.value, width: 2)
                } else {
                    out += "\\u{" + hex(u.value, width: 4) + "}"
                }
            }
        }
        return out
    }

    private static func hex(_ v: UInt32, width: Int) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

extension String {
    /// This string quoted for a message: see `Quoted.quote`.
    public var quoted: String { Quoted.quote(self) }
}
