/// The aggregate "cpu" line of /proc/stat, in clock ticks, for host CPU% from two samples.
public struct ProcStatCPU: Sendable, Equatable {
    public var busyTicks: UInt64
    public var totalTicks: UInt64

    public init(busyTicks: UInt64, totalTicks: UInt64) {
        self.busyTicks = busyTicks; self.totalTicks = totalTicks
    }

    /// "cpu  user nice system idle iowait irq softirq steal guest guest_nice". Guest time is already
    /// counted in user and nice, so only the first eight columns add up to the total; idle and iowait are not busy.
    public static func parse(_ text: String) -> ProcStatCPU? {
        guard let line = StatText.lines(text).first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let columns = line.split(separator: " ").dropFirst().prefix(8).compactMap { UInt64($0) }
        guard columns.count >= 4 else { return nil }
        let total = columns.reduce(0, +)
        let idle = columns[3] + (columns.count > 4 ? columns[4] : 0)
        return ProcStatCPU(busyTicks: total - idle, totalTicks: total)
    }
}
