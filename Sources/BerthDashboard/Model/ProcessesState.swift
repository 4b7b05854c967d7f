import BerthOS
import Glibc

/// The processes view (`P`): the selected container's processes from its cgroups, read at every
/// sample while the view is shown, with CPU % over the interval between two reads.
public struct ProcessesState: Equatable, Sendable {
    public var id = ""
    public var name = ""
    public var rows: [ProcessRow] = []
    public var loading = false
    public var error: String?
    /// The selected row (a process to signal).
    public var selection = 0
    /// Each PID's CPU ticks at the previous read, and when (monotonic seconds).
    var previousTicks: [Int32: UInt64] = [:]
    var previousAt: Double?

    public init() {}

    init(id: String, name: String) {
        self.id = id; self.name = name; loading = true
    }

    /// Takes a new read: CPU % from the ticks each PID used since the last read (none for a
    /// process new in this read), the selection kept on the same PID when it is still there.
    mutating func apply(_ samples: [ProcessSample], at seconds: Double, ticksPerSecond: Double) {
        let selectedPID = rows.indices.contains(selection) ? rows[selection].sample.pid : nil
        let elapsed = previousAt.map { seconds - $0 } ?? 0
        rows = samples.map { s in
            var percent: Double?
            if elapsed > 0, let before = previousTicks[s.pid], s.cpuTicks >= before {
                percent = Double(s.cpuTicks - before) / ticksPerSecond / elapsed * 100
            }
            return ProcessRow(sample: s, cpuPercent: percent)
        }
        previousTicks = Dictionary(samples.map { ($0.pid, $0.cpuTicks) }, uniquingKeysWith: { a, _ in a })
        previousAt = seconds
        loading = false
        error = nil
        if let pid = selectedPID, let i = rows.firstIndex(where: { $0.sample.pid == pid }) {
            selection = i
        } else {
            selection = min(selection, max(0, rows.count - 1))
        }
    }

    public var selected: ProcessRow? { rows.indices.contains(selection) ? rows[selection] : nil }
}

/// One line of the processes view.
public struct ProcessRow: Equatable, Sendable {
    public var sample: ProcessSample
    /// nil on the first read of the process (no interval yet).
    public var cpuPercent: Double?
}

extension ProcessesState {
    /// procfs counts CPU time in these ticks.
    static let ticksPerSecond = Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
}
