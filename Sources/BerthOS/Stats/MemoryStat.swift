/// The two figures of memory.stat that docker's "memory used" needs.
public struct MemoryStat: Sendable, Equatable {
    /// Page cache the kernel can drop first; docker subtracts it from usage.
    public var inactiveFile: UInt64?
    /// All page cache (v1 "cache", v2 "file").
    public var cache: UInt64?

    public init(inactiveFile: UInt64? = nil, cache: UInt64? = nil) {
        self.inactiveFile = inactiveFile; self.cache = cache
    }

    public static func parse(_ text: String) -> MemoryStat {
        StatText.withBytes(text, parse(bytes:))
    }

    /// v1 prints each figure twice: for the cgroup alone and as "total_*" for its subtree; the subtree
    /// figure is the one that matches memory.usage_in_bytes, so it wins when present.
    static func parse(bytes: UnsafeRawBufferPointer) -> MemoryStat {
        var local = MemoryStat()
        var total = MemoryStat()
        StatText.forEachKeyValue(bytes) { key, value in
            if StatText.equals(key, "inactive_file") {
                local.inactiveFile = value
            } else if StatText.equals(key, "total_inactive_file") {
                total.inactiveFile = value
            } else if StatText.equals(key, "cache") || StatText.equals(key, "file") {
                local.cache = value
            } else if StatText.equals(key, "total_cache") {
                total.cache = value
            }
        }
        return MemoryStat(inactiveFile: total.inactiveFile ?? local.inactiveFile, cache: total.cache ?? local.cache)
    }

    /// Docker's "memory used": usage minus inactive file cache, never below zero.
    public static func used(usage: UInt64, inactiveFile: UInt64?) -> UInt64 {
        guard let inactiveFile else { return usage }
        return usage > inactiveFile ? usage - inactiveFile : 0
    }
}
