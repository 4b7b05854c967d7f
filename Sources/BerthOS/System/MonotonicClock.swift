import Glibc

/// CLOCK_MONOTONIC in nanoseconds: stats timestamps and retry deadlines must not jump with the wall clock.
public enum MonotonicClock {
    public static func nanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Whole milliseconds from now until `deadline` (a `nanos()` value), 0 once it has passed.
    /// One reading of the clock: comparing with one reading and subtracting from a second one
    /// underflowed when the deadline fell between them (a crash of `berth system stream`).
    public static func millisecondsUntil(_ deadline: UInt64) -> UInt64 {
        remaining(until: deadline, now: nanos()) / 1_000_000
    }

    /// Nanoseconds from `now` until `deadline`, 0 once it has passed.
    public static func remaining(until deadline: UInt64, now: UInt64) -> UInt64 {
        deadline > now ? deadline - now : 0
    }
}
