/// cpu.stat of either cgroup version, normalised to nanoseconds.
/// v1 (cpu controller): nr_periods, nr_throttled, throttled_time (ns); usage lives in cpuacct.usage instead.
/// v2: usage_usec, user_usec, system_usec, nr_periods, nr_throttled, throttled_usec.
public struct CPUStat: Sendable, Equatable {
    public var usageNanos: UInt64?
    public var throttledNanos: UInt64?
    public var throttledPeriods: UInt64?

    public init(usageNanos: UInt64? = nil, throttledNanos: UInt64? = nil, throttledPeriods: UInt64? = nil) {
        self.usageNanos = usageNanos; self.throttledNanos = throttledNanos; self.throttledPeriods = throttledPeriods
    }

    public static func parse(_ text: String) -> CPUStat {
        StatText.withBytes(text, parse(bytes:))
    }

    static func parse(bytes: UnsafeRawBufferPointer) -> CPUStat {
        var stat = CPUStat()
        StatText.forEachKeyValue(bytes) { key, value in
            if StatText.equals(key, "usage_usec") {
                stat.usageNanos = value &* 1000
            } else if StatText.equals(key, "throttled_usec") {
                stat.throttledNanos = value &* 1000
            } else if StatText.equals(key, "throttled_time") {
                stat.throttledNanos = value
            } else if StatText.equals(key, "nr_throttled") {
                stat.throttledPeriods = value
            }
        }
        return stat
    }
}
