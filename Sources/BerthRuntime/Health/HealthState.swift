import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A container's health as its supervisor records it in `containers/<id>/health` (written
/// atomically by `berth-shim/health.c` after each probe): docker's `State.Health`.
///
/// The file is key=value lines, the status first so listings read one short prefix:
///
///     status=healthy
///     failing_streak=0
///     log=START_NS END_NS EXIT_CODE HEX_OF_OUTPUT
///
/// `log` lines are the last five probes, oldest first (wall-clock nanoseconds, exit code -1 for a
/// probe killed at its timeout); the output is hex so nothing the container printed can break a
/// line, and it is capped by the supervisor (`HealthState.maximumOutputBytes`).
public struct HealthState: Codable, Sendable, Equatable {
    /// docker's words: `starting`, `healthy`, `unhealthy`.
    public var status: String
    public var failingStreak: Int
    public var log: [Probe]

    /// The probe output kept per result, as docker's `maxOutputLen`.
    public static let maximumOutputBytes = 4096
    /// The results kept, as docker's `maxLogEntries`.
    public static let maximumLogEntries = 5
    public static let statuses = ["starting", "healthy", "unhealthy"]

    public struct Probe: Codable, Sendable, Equatable {
        public var start: Date
        public var end: Date
        public var exitCode: Int
        /// As the probe wrote it (invalid UTF-8 repaired); escape before showing it on a terminal.
        public var output: String
    }

    public init(status: String, failingStreak: Int = 0, log: [Probe] = []) {
        self.status = status; self.failingStreak = failingStreak; self.log = log
    }

    /// nil when the text is not a health record (a missing status, or one of no known word).
    public static func parse(_ text: String) -> HealthState? {
        var state = HealthState(status: "")
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq], value = line[line.index(after: eq)...]
            switch key {
            case "status": state.status = String(value)
            case "failing_streak": state.failingStreak = Int(value) ?? 0
            case "log":
                let f = value.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard f.count >= 3, let s = Int64(f[0]), let e = Int64(f[1]), let code = Int(f[2]) else { continue }
                let bytes = f.count == 4 ? Hex.decode(f[3]) ?? [] : []
                state.log.append(Probe(start: Timestamp(unixNanoseconds: s).date, end: Timestamp(unixNanoseconds: e).date,
                                       exitCode: code, output: String(decoding: bytes.prefix(maximumOutputBytes), as: UTF8.self)))
            default: continue
            }
        }
        guard statuses.contains(state.status) else { return nil }
        if state.log.count > maximumLogEntries { state.log.removeFirst(state.log.count - maximumLogEntries) }
        return state
    }

    /// The whole record of a container's health file; nil without one (no healthcheck, never started).
    public static func read(_ path: String) -> HealthState? {
        FileIO.readString(path).flatMap(parse)
    }

    /// Only the status word, from the file's first line: one short read per container for `ps`.
    public static func readStatus(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 32)
        let n = Glibc.read(fd, &buf, buf.count)
        guard n > 7 else { return nil }
        let line = buf[0..<n].prefix { $0 != UInt8(ascii: "\n") }
        guard line.starts(with: Array("status=".utf8)) else { return nil }
        let word = String(decoding: line.dropFirst(7), as: UTF8.self)
        return statuses.contains(word) ? word : nil
    }
}
