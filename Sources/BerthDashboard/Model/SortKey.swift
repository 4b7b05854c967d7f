/// Columns the containers pane can sort by; `o` cycles in this order.
public enum SortKey: String, CaseIterable, Sendable {
    case name, state, cpu, memory = "mem", pids, net, io, restarts, uptime, image

    /// Default direction: numbers biggest first, text A→Z.
    var descendingByDefault: Bool {
        switch self {
        case .name, .state, .image: return false
        default: return true
        }
    }

    public static func parse(_ s: String) -> SortKey? {
        let l = s.lowercased()
        if l == "memory" { return .memory }
        return SortKey(rawValue: l)
    }
}

/// Names as people order them: runs of digits compare by value ("s2" < "s10" < "s100"), the rest
/// case-insensitively; equal that way, the plain byte order decides, so the order is total.
enum NaturalOrder {
    static func compare(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        var i = 0, j = 0
        while i < x.count && j < y.count {
            if isDigit(x[i]) && isDigit(y[j]) {
                // Compare the digit runs by value: skip leading zeros, then longer is larger.
                var si = i, sj = j
                while si < x.count && x[si] == 0x30 { si += 1 }
                while sj < y.count && y[sj] == 0x30 { sj += 1 }
                var ei = si, ej = sj
                while ei < x.count && isDigit(x[ei]) { ei += 1 }
                while ej < y.count && isDigit(y[ej]) { ej += 1 }
                if ei - si != ej - sj { return ei - si < ej - sj ? -1 : 1 }
                for k in 0..<(ei - si) where x[si + k] != y[sj + k] { return x[si + k] < y[sj + k] ? -1 : 1 }
                i = ei; j = ej
                continue
            }
            let p = lower(x[i]), q = lower(y[j])
            if p != q { return p < q ? -1 : 1 }
            i += 1; j += 1
        }
        if i < x.count || j < y.count { return i < x.count ? 1 : -1 }
        return a == b ? 0 : (a < b ? -1 : 1)
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c + 32 : c }
}
