/// Single-value cgroup files: memory.max, pids.max, memory.limit_in_bytes, cpuacct.usage, pids.current.
public enum CgroupValue {
    /// v1 reports "no limit" as 2^63 rounded down to a page (9223372036854771712); anything this large
    /// cannot be a real limit.
    static let unlimitedThreshold: UInt64 = 1 << 62

    /// A limit: nil for "max" (v2, pids) and for v1's near-2^63 "unlimited".
    public static func parseLimit(_ text: String) -> UInt64? {
        StatText.withBytes(text, parseLimit(bytes:))
    }

    static func parseLimit(bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard let value = StatText.firstUInt(bytes), value < unlimitedThreshold else { return nil }
        return value
    }

    /// A counter or gauge; nil when the file holds no number.
    public static func parseCounter(_ text: String) -> UInt64? {
        StatText.withBytes(text, StatText.firstUInt)
    }
}
