/// A horizontal meter such as `███░░░`.
public enum Bar {
    public static func render(fraction: Double, width: Int, glyphs: Glyphs) -> (filled: String, empty: String) {
        guard width > 0 else { return ("", "") }
        let f = min(1, max(0, fraction.isFinite ? fraction : 0))
        let n = Int((f * Double(width)).rounded())
        return (String(repeating: glyphs.barFull, count: n), String(repeating: glyphs.barEmpty, count: width - n))
    }
}
