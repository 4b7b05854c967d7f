/// One-row graphs for table cells.
public enum Sparkline {
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    static let asciiLevels: [Character] = ["_", ".", "-", "=", "^", "#"]

    /// The newest `width` values scaled to `maximum` (the largest value when nil), oldest on the left,
    /// padded on the left with spaces when history is short.
    public static func render(_ values: [Double], width: Int, maximum: Double? = nil, unicode: Bool) -> String {
        guard width > 0 else { return "" }
        let shown = values.suffix(width)
        let top = max(maximum ?? shown.max() ?? 0, 1e-9)
        let levels = unicode ? blocks : asciiLevels
        var out = String(repeating: " ", count: width - shown.count)
        for v in shown {
            let f = min(1, max(0, v / top))
            if f <= 0 { out.append(unicode ? " " : " "); continue }
            out.append(levels[min(levels.count - 1, Int((f * Double(levels.count)).rounded(.up)) - 1)])
        }
        return out
    }
}
