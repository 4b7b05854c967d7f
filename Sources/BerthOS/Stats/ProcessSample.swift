import Glibc

/// One process of a container as procfs shows it at one moment: what the dashboard's processes
/// view lists (pid, parent, user, state, CPU time, resident memory, threads, command line).
/// Read from `/proc/PID/stat`, `status` and `cmdline` by the host PID; everything in them comes
/// from the container (its command line, its `comm`), so it is escaped before it is drawn.
public struct ProcessSample: Equatable, Sendable {
    public var pid: Int32
    public var parentPID: Int32
    /// The one-letter state of `stat` (R, S, D, Z, T, …).
    public var state: Character
    /// The real uid on the host (`status` `Uid:` first field).
    public var uid: UInt32
    /// utime + stime, in clock ticks (`sysconf(_SC_CLK_TCK)`).
    public var cpuTicks: UInt64
    public var residentBytes: UInt64
    public var threads: Int
    /// The command line (arguments joined by spaces), or `[comm]` for a kernel-style process without one.
    public var command: String

    public init(pid: Int32, parentPID: Int32, state: Character, uid: UInt32, cpuTicks: UInt64,
                residentBytes: UInt64, threads: Int, command: String) {
        self.pid = pid; self.parentPID = parentPID; self.state = state; self.uid = uid
        self.cpuTicks = cpuTicks; self.residentBytes = residentBytes; self.threads = threads; self.command = command
    }

    /// The process now, or nil when it has gone (a process may exit between listing and reading).
    public static func read(pid: Int32, procRoot: String = "/proc") -> ProcessSample? {
        let dir = "\(procRoot)/\(pid)"
        guard let stat = KernelFile.readIfPresent(dir + "/stat"),
              var sample = parse(stat: stat, pageSize: UInt64(sysconf(Int32(_SC_PAGESIZE)))) else { return nil }
        if let status = KernelFile.readIfPresent(dir + "/status") { sample.uid = parseUID(status: status) ?? sample.uid }
        if let cmdline = KernelFile.readIfPresent(dir + "/cmdline"), let line = commandLine(cmdline) { sample.command = line }
        return sample
    }

    /// `/proc/PID/stat`: `pid (comm) state ppid …`. The comm may hold spaces and parentheses (the
    /// container names its processes), so the fields after it are found from the *last* `)`.
    /// Fields (1-based, proc(5)): 4 ppid, 14 utime, 15 stime, 20 num_threads, 24 rss (pages).
    public static func parse(stat: String, pageSize: UInt64) -> ProcessSample? {
        guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"), open < close,
              let pid = Int32(stat[..<open].filter { $0 != " " }) else { return nil }
        let comm = String(stat[stat.index(after: open)..<close])
        let rest = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // rest[0] is field 3 (state): field N is rest[N - 3].
        guard rest.count >= 22, let state = rest[0].first, let ppid = Int32(rest[1]),
              let utime = UInt64(rest[11]), let stime = UInt64(rest[12]),
              let threads = Int(rest[17]), let rss = Int64(rest[21]) else { return nil }
        return ProcessSample(pid: pid, parentPID: ppid, state: state, uid: 0, cpuTicks: utime &+ stime,
                             residentBytes: UInt64(max(0, rss)) &* pageSize, threads: threads, command: "[\(comm)]")
    }

    /// The real uid from `/proc/PID/status` (`Uid:\treal\teffective\tsaved\tfs`).
    public static func parseUID(status: String) -> UInt32? {
        for line in status.split(separator: "\n") where line.hasPrefix("Uid:") {
            return line.dropFirst(4).split(whereSeparator: { $0 == "\t" || $0 == " " }).first.flatMap { UInt32($0) }
        }
        return nil
    }

    /// `/proc/PID/cmdline` (NUL-separated arguments) as one line; nil when empty (a zombie, a
    /// kernel thread), so the `[comm]` form stays.
    public static func commandLine(_ raw: String) -> String? {
        let args = raw.split(separator: "\0", omittingEmptySubsequences: false)
        let line = (args.last == "" ? args.dropLast() : args[...]).joined(separator: " ")
        return line.isEmpty ? nil : line
    }
}
