/// How many colours the terminal can show; decides how theme colours are quantised.
public enum ColorMode: String, CaseIterable, Sendable {
    case truecolor
    case color256 = "256"
    case color16 = "16"
    case mono

    /// Chooses the mode from what the terminal reports. `NO_COLOR` (any non-empty value) wins,
    /// as https://no-color.org asks; 24-bit needs a direct-colour terminfo or the `RGB` flag, because
    /// ncurses silently ignores `COLORTERM`.
    public static func detect(hasColors: Bool, colors: Int, rgbCapability: Bool, environment: [String: String]) -> ColorMode {
        if let v = environment["NO_COLOR"], !v.isEmpty { return .mono }
        guard hasColors, colors >= 8 else { return .mono }
        if rgbCapability || colors >= 0x1000000 { return .truecolor }
        if colors >= 256 { return .color256 }
        return .color16
    }

    /// The colour this terminal can show that is closest to `c`.
    public func resolve(_ c: ThemeColor) -> TermColor {
        switch (self, c) {
        case (.mono, _), (_, .terminalDefault): return .terminalDefault
        case (.truecolor, .rgb(let r, let g, let b)): return .rgb(r, g, b)
        case (.truecolor, .indexed(let i)), (.color256, .indexed(let i)): return .indexed(i)
        case (.color256, .rgb(let r, let g, let b)): return .indexed(Xterm.nearest256(r, g, b))
        case (.color16, .indexed(let i)) where i < 16: return .indexed(i)
        case (.color16, .indexed(let i)):
            let (r, g, b) = Xterm.rgb(of: i)
            return .indexed(Xterm.nearest16(r, g, b))
        case (.color16, .rgb(let r, let g, let b)): return .indexed(Xterm.nearest16(r, g, b))
        }
    }
}

/// The xterm palette, for quantising colours.
enum Xterm {
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]
    static let ansi: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    static func rgb(of index: UInt8) -> (UInt8, UInt8, UInt8) {
        let i = Int(index)
        if i < 16 { let c = ansi[i]; return (UInt8(c.0), UInt8(c.1), UInt8(c.2)) }
        if i >= 232 { let v = UInt8(8 + 10 * (i - 232)); return (v, v, v) }
        let n = i - 16
        return (UInt8(cubeLevels[n / 36]), UInt8(cubeLevels[(n / 6) % 6]), UInt8(cubeLevels[n % 6]))
    }

    private static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        let dr = a.0 - b.0, dg = a.1 - b.1, db = a.2 - b.2
        return 2 * dr * dr + 4 * dg * dg + 3 * db * db
    }

    private static func nearestLevel(_ v: Int) -> Int {
        var best = 0
        for (i, l) in cubeLevels.enumerated() where abs(l - v) < abs(cubeLevels[best] - v) { best = i }
        return best
    }

    static func nearest256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let c = (Int(r), Int(g), Int(b))
        let ri = nearestLevel(c.0), gi = nearestLevel(c.1), bi = nearestLevel(c.2)
        let cube = (cubeLevels[ri], cubeLevels[gi], cubeLevels[bi])
        let average = (c.0 + c.1 + c.2) / 3
        let greyIndex = min(23, max(0, (average - 8 + 5) / 10))
        let grey = 8 + 10 * greyIndex
        if distance(c, (grey, grey, grey)) < distance(c, cube) { return UInt8(232 + greyIndex) }
        return UInt8(16 + 36 * ri + 6 * gi + bi)
    }

    static func nearest16(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let c = (Int(r), Int(g), Int(b))
        var best = 0
        for i in 1..<16 where distance(c, ansi[i]) < distance(c, ansi[best]) { best = i }
        return UInt8(best)
    }
}
