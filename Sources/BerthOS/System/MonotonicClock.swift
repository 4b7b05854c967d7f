import Glibc

/// CLOCK_MONOTONIC in nanoseconds: stats timestamps and retry deadlines must not jump with the wall clock.
public enum MonotonicClock {
    public static func nanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
