import BerthRuntime
import Foundation

/// The words for a timeline entry (the detail pane's History facts).
enum TimelineText {
    /// "10:04:31 exit 1, restarted", "10:03:58–10:04:31 exit 1, restarted ×14" for repeats: when,
    /// with the day when it was not `now`'s. Short: the detail pane may be 40 columns wide.
    static func line(_ e: TimelineEntry, now: Date, utcOffset: Int, unicode: Bool) -> String {
        let last = time(e.time, now: now, utcOffset: utcOffset)
        guard e.count > 1 else { return last + " " + describe(e.kind, unicode: unicode) }
        return time(e.firstTime, now: now, utcOffset: utcOffset) + (unicode ? "–" : "-") + last + " "
            + describe(e.kind, unicode: unicode) + " \(unicode ? "×" : "x")\(e.count)"
    }

    static func describe(_ kind: TimelineEntry.Kind, unicode: Bool = true) -> String {
        switch kind {
        case .created: return "created"
        case .started: return "started"
        case .exited(let code, let signal, let oom, let restarted):
            var s = "exit \(code ?? 0)"
            if let signal { s += " sig \(signal)" }
            if oom { s += " OOM" }
            if restarted { s += ", restarted" }
            return s
        case .childOOM(let kills):
            return "child OOM-killed\(kills == 1 ? "" : " \(unicode ? "×" : "x")\(kills)"), PID 1 lives on"
        case .stopped: return "stopped"
        case .restartedByUser: return "restarted by berth restart"
        case .paused: return "paused"
        case .unpaused: return "unpaused"
        case .updated(let settings):
            guard !settings.isEmpty else { return "limits updated" }
            return "updated " + settings.map(setting).joined(separator: ", ")
        case .renamed(let from): return "renamed from \(from)"
        case .health(let status): return status
        }
    }

    /// `memory=67108864` → `memory 64M`; other settings as they came.
    private static func setting(_ s: String) -> String {
        let parts = s.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return s }
        if ["memory", "memorySwap"].contains(parts[0]), let bytes = Int64(parts[1]) {
            return parts[0] + " " + (bytes > 0 ? Format.bytes(UInt64(bytes)) : "unlimited")
        }
        return parts[0] + " " + parts[1]
    }

    /// "10:04:31" on the day of `now`, else "11-29 10:04".
    static func time(_ nanos: Int64, now: Date, utcOffset: Int) -> String {
        let d = Date(timeIntervalSince1970: Double(nanos / 1_000_000_000))
        let c = Format.civil(d, utcOffset: utcOffset), today = Format.civil(now, utcOffset: utcOffset)
        if (c.year, c.month, c.day) == (today.year, today.month, today.day) {
            return String(format: "%02d:%02d:%02d", c.hour, c.minute, c.second)
        }
        return String(format: "%02d-%02d %02d:%02d", c.month, c.day, c.hour, c.minute)
    }
}
