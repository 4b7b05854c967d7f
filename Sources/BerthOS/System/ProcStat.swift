import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `/proc/PID/stat`'s state and start time: to tell a process from a later one that reused its PID,
/// and an exited one its parent has not reaped yet (a zombie) from a live one.
public enum ProcStat {
    /// A process recorded as "PID STARTTIME" (a supervisor, a creator) still runs when its PID
    /// holds a live process with that start time; without a start time, when the PID exists.
    public static func isAlive(pid: Int32?, startTime: UInt64?) -> Bool {
        guard let pid, pid > 0 else { return false }
        guard let start = startTime else { return Glibc.kill(pid, 0) == 0 }
        return Self.startTime(pid: pid) == start
    }

    /// What /proc/PID/stat says of a process that exists (a zombie too).
    public struct Entry: Sendable, Equatable {
        /// Field 3: R, S, D, T, Z (exited, not yet reaped by its parent), X…
        public var state: UInt8
        /// Field 22, in clock ticks since boot.
        public var startTime: UInt64

        public init(state: UInt8, startTime: UInt64) { self.state = state; self.startTime = startTime }

        public var isZombie: Bool { state == UInt8(ascii: "Z") || state == UInt8(ascii: "X") }
    }

    /// Field 22 of /proc/PID/stat; nil for a process that is gone or a zombie.
    public static func startTime(pid: Int32) -> UInt64? {
        // A zombie has ended: its parent just has not reaped it yet. A killed supervisor can stay
        // one for a while when its reaper is slow; it must not count as alive.
        guard let e = entry(pid: pid), !e.isZombie else { return nil }
        return e.startTime
    }

    /// Fields 3 and 22 of /proc/PID/stat, read into a stack buffer and scanned as bytes (hot: every
    /// sample); nil when no process has the pid.
    public static func entry(pid: Int32) -> Entry? {
        var path: (CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar,
                   CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let fd: Int32 = withUnsafeMutableBytes(of: &path) { raw in
            let p = raw.bindMemory(to: UInt8.self)
            var i = 0
            for c in "/proc/".utf8 { p[i] = c; i += 1 }
            var digits: [UInt8] = []
            var v = pid
            repeat { digits.append(UInt8(48 + v % 10)); v /= 10 } while v > 0
            for d in digits.reversed() { p[i] = d; i += 1 }
            for c in "/stat".utf8 { p[i] = c; i += 1 }
            p[i] = 0
            return open(raw.baseAddress!.assumingMemoryBound(to: CChar.self), O_RDONLY | O_CLOEXEC)
        }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { buf -> Entry? in
            let n = read(fd, buf.baseAddress, 1024)
            guard n > 0 else { return nil }
            // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
            var i = n - 1
            while i > 0 && buf[i] != UInt8(ascii: ")") { i -= 1 }
            guard i + 2 < n else { return nil }
            let state = buf[i + 2]
            var field = 2
            var value: UInt64 = 0
            i += 1
            while i < n {
                let c = buf[i]
                if c == UInt8(ascii: " ") {
                    if field == 22 { return Entry(state: state, startTime: value) }
                    field += 1
                    value = 0
                } else if field == 22, c >= 48, c <= 57 {
                    value = value * 10 + UInt64(c - 48)
                }
                i += 1
            }
            return field == 22 ? Entry(state: state, startTime: value) : nil
        }
    }
}
