import Foundation

/// A colour as a theme file writes it, before the terminal's abilities are known.
public enum ThemeColor: Hashable, Sendable {
    case terminalDefault
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)

    static let ansiNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// Parses `#rrggbb`, `#rgb`, `default`, an ANSI name (`red`, `bright-red`) or a palette index 0–255.
    public init?(parsing raw: String) {
        let s = raw.trimmingCharacters(in: .whitespaces).lowercased()
        if s == "default" || s == "none" { self = .terminalDefault; return }
        if s.hasPrefix("#") {
            let hex = Array(s.dropFirst())
            let digits: [Character]
            switch hex.count {
            case 6: digits = hex
            case 3: digits = hex.flatMap { [$0, $0] }
            default: return nil
            }
            var v: [UInt8] = []
            for i in stride(from: 0, to: 6, by: 2) {
                guard let b = UInt8(String(digits[i...i + 1]), radix: 16) else { return nil }
                v.append(b)
            }
            self = .rgb(v[0], v[1], v[2]); return
        }
        if let n = Int(s) {
            guard (0...255).contains(n) else { return nil }
            self = .indexed(UInt8(n)); return
        }
        var name = s
        var bright = false
        for prefix in ["bright-", "bright_", "bright"] where name.hasPrefix(prefix) {
            name = String(name.dropFirst(prefix.count)); bright = true; break
        }
        guard let i = Self.ansiNames.firstIndex(of: name) else { return nil }
        self = .indexed(UInt8(i + (bright ? 8 : 0)))
    }
}

