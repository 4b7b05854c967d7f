/// The two lines of /proc/meminfo the dashboard shows, in bytes.
public struct MemInfo: Sendable, Equatable {
    public var total: UInt64
    /// The kernel's estimate of memory available without swapping (MemAvailable), not MemFree.
    public var available: UInt64

    public init(total: UInt64, available: UInt64) {
        self.total = total; self.available = available
    }

    /// Lines look like "MemTotal:       24683652 kB".
    public static func parse(_ text: String) -> MemInfo? {
        var total: UInt64?
        var available: UInt64?
        for line in StatText.lines(text) {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let value = UInt64(parts[1]) else { continue }
            let bytes = parts.count >= 3 && parts[2] == "kB" ? value * 1024 : value
            switch parts[0] {
            case "MemTotal:": total = bytes
            case "MemAvailable:": available = bytes
            default: break
            }
            if total != nil, available != nil { break }
        }
        guard let total else { return nil }
        return MemInfo(total: total, available: available ?? 0)
    }
}
