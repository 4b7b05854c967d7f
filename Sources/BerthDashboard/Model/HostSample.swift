import BerthOS
import BerthRuntime
import Foundation

/// One host of a dashboard over several (`berth top --context a --context b`), as the latest merged
/// snapshot saw it: what its stream last said and whether it still answers.
public struct HostSample: Sendable, Equatable {
    /// The context's name: what the HOST column and the header show, and what actions go to.
    public var name: String
    /// The host's last `host` record; nil before its first snapshot.
    public var info: HostInfo?
    /// When its last line arrived here (the age of what is shown).
    public var lastSample: Date?
    /// nil while it answers; else since when it does not (its rows keep their last known state).
    public var unreachableSince: Date?
    /// Why it does not answer (ssh's last line, the reader's error, "no answer for 5 s").
    public var problem: String?

    public init(name: String, info: HostInfo? = nil, lastSample: Date? = nil, unreachableSince: Date? = nil, problem: String? = nil) {
        self.name = name; self.info = info; self.lastSample = lastSample
        self.unreachableSince = unreachableSince; self.problem = problem
    }

    public var reachable: Bool { unreachableSince == nil && info != nil }
}

/// The hosts of the last snapshot with what the dashboard derives from two of them.
public struct HostRow: Sendable, Equatable {
    public var sample: HostSample
    /// CPU use between this host's last two `host` records; nil until there are two.
    public var cpuPercent: Double?
}

extension HostInfo {
    /// The host's CPU use between an earlier record and this one, from `/proc/stat`'s ticks; nil
    /// without an earlier one or when the counters went backwards (another boot).
    func cpuPercent(since previous: HostInfo?) -> Double? {
        guard let previous, cpuTotalTicks > previous.cpuTotalTicks, cpuBusyTicks >= previous.cpuBusyTicks else { return nil }
        return Double(cpuBusyTicks - previous.cpuBusyTicks) / Double(cpuTotalTicks - previous.cpuTotalTicks) * 100
    }
}
