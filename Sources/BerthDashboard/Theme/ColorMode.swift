/// How many colours the terminal can show; decides how theme colours are quantised.
public enum ColorMode: String, CaseIterable, Sendable {
    case truecolor
    case color256 = "256"
    case color16 = "16"
    /// `colors#8` (TERM=xterm, screen): only the eight base colours; bright ones do not exist.
    case color8 = "8"
    case mono

    /// Chooses the mode from what the terminal reports. `NO_COLOR` (any non-empty value) wins,
    /// as https://no-color.org asks; 24-bit needs a direct-colour terminfo or the `RGB` flag, because
    /// ncurses silently ignores `COLORTERM`.
    public static func detect(hasColors: Bool, colors: Int, rgbCapability: Bool, environment: [String: String]) -> ColorMode {
        if let v = environment["NO_COLOR"], !v.isEmpty { return .mono }
        guard hasColors, colors >= 8 else { return .mono }
        if rgbCapability || colors >= 0x1000000 { return .truecolor }
        if colors >= 256 { return .color256 }
        return colors >= 16 ? .color16 : .color8
    }

    /// The colour this terminal can show that is closest to `c`.
    public func resolve(_ c: ThemeColor) -> TermColor {
        switch (self, c) {
        case (.mono, _), (_, .terminalDefault): return .terminalDefault
        case (.truecolor, .rgb(let r, let g, let b)): return .rgb(r, g, b)
        case (.truecolor, .indexed(let i)), (.color256, .indexed(let i)): return .indexed(i)
        case (.color256, .rgb(let r, let g, let b)): return .indexed(Xterm.nearest256(r, g, b))
        case (.color16, .indexed(let i)) where i < 16: return .indexed(i)
        case (.color8, .indexed(let i)) where i < 8: return .indexed(i)
        case (.color16, .indexed(let i)), (.color8, .indexed(let i)):
            let (r, g, b) = Xterm.rgb(of: i)
            return .indexed(Xterm.nearestANSI(r, g, b, colors: self == .color8 ? 8 : 16))
        case (.color16, .rgb(let r, let g, let b)): return .indexed(Xterm.nearestANSI(r, g, b, colors: 16))
        case (.color8, .rgb(let r, let g, let b)): return .indexed(Xterm.nearestANSI(r, g, b, colors: 8))
        }
    }

    /// Whether colours are few enough (8 or 16) that a foreground can land on its background's colour.
    var isANSI: Bool { self == .color8 || self == .color16 }
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

    /// The ANSI colour (of the first 8 or 16) that keeps what a theme colour *means*: a colour
    /// with a clear hue gets the ANSI colour of the nearest hue (red, yellow, green, cyan, blue,
    /// magenta; the bright one when it is light and there are 16), a greyish one black, grey or
    /// white by lightness. Plain RGB distance folded soft greens and yellows into grey, so the
    /// states "running", "restarting" and "exited" looked the same.
    static func nearestANSI(_ r: UInt8, _ g: UInt8, _ b: UInt8, colors: Int) -> UInt8 {
        let (ri, gi, bi) = (Int(r), Int(g), Int(b))
        let high = max(ri, gi, bi), low = min(ri, gi, bi)
        let chroma = high - low
        let lightness = (high + low) / 2
        // A near-black background with a tint (solarized's #002b36) is black, not cyan.
        if high < 90 { return 0 }
        if chroma < 40 {
            if colors < 16 { return lightness < 80 ? 0 : 7 }
            if lightness < 50 { return 0 }
            if lightness < 150 { return 8 }
            return lightness < 220 ? 7 : 15
        }
        // Hue in degrees, as HSL defines it.
        var hue: Double
        let c = Double(chroma)
        if high == ri { hue = 60 * (Double(gi - bi) / c) } else if high == gi { hue = 60 * (Double(bi - ri) / c) + 120 } else { hue = 60 * (Double(ri - gi) / c) + 240 }
        if hue < 0 { hue += 360 }
        // ANSI order: 1 red (0°), 3 yellow (60°), 2 green (120°), 6 cyan (180°), 4 blue (240°), 5 magenta (300°).
        let byHue: [UInt8] = [1, 3, 2, 6, 4, 5]
        let base = byHue[Int((hue + 30).truncatingRemainder(dividingBy: 360) / 60)]
        return colors >= 16 && high >= 230 ? base + 8 : base
    }
}
