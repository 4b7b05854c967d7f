/// Multi-row history graphs in three symbol sets (btop's approach): braille packs 2×4 dots per
/// cell, blocks 1×8 levels, ASCII 1×3 levels for terminals without UTF-8.
public enum Graph {
    /// Rows top to bottom; each row's `level` is how high it sits (0 bottom … 1 top), for gradients.
    public struct Row: Equatable, Sendable {
        public var text: String
        public var level: Double
    }

    public static func render(_ values: [Double], width: Int, height: Int, maximum: Double, style: GraphStyle) -> [Row] {
        guard width > 0, height > 0 else { return [] }
        let top = max(maximum, 1e-9)
        switch style {
        case .braille: return braille(values, width, height, top)
        case .block: return levels(values, width, height, top, marks: Sparkline.blocks)
        case .ascii: return levels(values, width, height, top, marks: [".", ":", "|"])
        }
    }

    /// How many sub-rows of `sub` per row a value fills, over `height` rows.
    private static func dots(_ v: Double, _ top: Double, _ height: Int, _ sub: Int) -> Int {
        let f = min(1, max(0, v / top))
        let n = Int((f * Double(height * sub)).rounded())
        return f > 0 && n == 0 ? 1 : n
    }

    private static func braille(_ values: [Double], _ width: Int, _ height: Int, _ top: Double) -> [Row] {
        let shown = Array(values.suffix(width * 2))
        let padded = Array(repeating: -1.0, count: width * 2 - shown.count) + shown
        // Dot bits of the left and right columns, bottom dot first.
        let left: [UInt32] = [0x40, 0x04, 0x02, 0x01]
        let right: [UInt32] = [0x80, 0x20, 0x10, 0x08]
        var rows: [Row] = []
        for r in 0..<height {
            let base = (height - 1 - r) * 4
            var text = ""
            text.unicodeScalars.reserveCapacity(width)
            for c in 0..<width {
                var bits: UInt32 = 0
                for (side, v) in [(left, padded[c * 2]), (right, padded[c * 2 + 1])] where v >= 0 {
                    let filled = min(4, max(0, dots(v, top, height, 4) - base))
                    for i in 0..<filled { bits |= side[i] }
                }
                text.unicodeScalars.append(Unicode.Scalar(0x2800 + bits)!)
            }
            rows.append(Row(text: text, level: Double(height - 1 - r) / Double(max(1, height - 1))))
        }
        return rows
    }

    /// One column per value, each cell one of `marks` (the lowest level first): the block and
    /// ASCII sets, which differ only in their marks.
    private static func levels(_ values: [Double], _ width: Int, _ height: Int, _ top: Double, marks: [Character]) -> [Row] {
        let shown = Array(values.suffix(width))
        let padded = Array(repeating: -1.0, count: width - shown.count) + shown
        let sub = marks.count
        var rows: [Row] = []
        for r in 0..<height {
            let base = (height - 1 - r) * sub
            var text = ""
            for v in padded {
                let filled = v < 0 ? 0 : min(sub, max(0, dots(v, top, height, sub) - base))
                text.append(filled == 0 ? " " : marks[filled - 1])
            }
            rows.append(Row(text: text, level: Double(height - 1 - r) / Double(max(1, height - 1))))
        }
        return rows
    }
}
