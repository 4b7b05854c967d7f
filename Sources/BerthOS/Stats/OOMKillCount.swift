/// The "oom_kill N" line that both v1 memory.oom_control and v2 memory.events carry.
public enum OOMKillCount {
    public static func parse(_ text: String) -> UInt64 {
        StatText.withBytes(text, parse(bytes:))
    }

    static func parse(bytes: UnsafeRawBufferPointer) -> UInt64 {
        var count: UInt64 = 0
        StatText.forEachKeyValue(bytes) { key, value in
            if StatText.equals(key, "oom_kill") { count = value }
        }
        return count
    }
}
