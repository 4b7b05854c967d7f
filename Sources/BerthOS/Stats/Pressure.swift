/// Pressure stall information (PSI): the share of time tasks waited for a resource, as the kernel
/// reports it in `/proc/pressure/{cpu,memory,io}` (the host) and `{cpu,memory,io}.pressure` (a
/// cgroup v2 directory). Each file has a `some` line (at least one task stalled) and, except for
/// the host's cpu file on older kernels, a `full` line (all non-idle tasks stalled at once):
///
///     some avg10=1.53 avg60=0.87 avg300=0.22 total=1234567
///     full avg10=0.00 avg60=0.00 avg300=0.00 total=0
///
/// The averages are percentages over 10 s, 60 s and 300 s; `total` is microseconds of stall.
public struct Pressure: Sendable, Equatable, Codable {
    public struct Line: Sendable, Equatable, Codable {
        public var avg10: Double
        public var avg60: Double
        public var avg300: Double
        public var totalMicroseconds: UInt64

        public init(avg10: Double, avg60: Double, avg300: Double, totalMicroseconds: UInt64) {
            self.avg10 = avg10; self.avg60 = avg60; self.avg300 = avg300; self.totalMicroseconds = totalMicroseconds
        }
    }

    public var some: Line
    public var full: Line?

    public init(some: Line, full: Line? = nil) { self.some = some; self.full = full }

    /// Nil unless a well-formed `some` line is there (a kernel without PSI, `psi=0`, or junk).
    public static func parse(_ text: String) -> Pressure? {
        var some: Line?, full: Line?
        for line in StatText.lines(text) {
            let words = StatText.split(line, at: UInt8(ascii: " "))
            guard words.count == 5, words[0] == "some" || words[0] == "full" else { continue }
            var values: [Substring: Substring] = [:]
            for w in words.dropFirst() {
                guard let eq = w.firstIndex(of: "=") else { return nil }
                values[w[..<eq]] = w[w.index(after: eq)...]
            }
            guard let a10 = values["avg10"].flatMap({ Double($0) }), let a60 = values["avg60"].flatMap({ Double($0) }),
                  let a300 = values["avg300"].flatMap({ Double($0) }), let total = values["total"].flatMap({ UInt64($0) }),
                  a10.isFinite, a60.isFinite, a300.isFinite else { return nil }
            let parsed = Line(avg10: a10, avg60: a60, avg300: a300, totalMicroseconds: total)
            if words[0] == "some" { some = parsed } else { full = parsed }
        }
        return some.map { Pressure(some: $0, full: full) }
    }
}

/// The three resources' pressure; a resource the kernel does not report is nil.
public struct PressureSet: Sendable, Equatable, Codable {
    public var cpu: Pressure?
    public var memory: Pressure?
    public var io: Pressure?

    public init(cpu: Pressure? = nil, memory: Pressure? = nil, io: Pressure? = nil) {
        self.cpu = cpu; self.memory = memory; self.io = io
    }

    public var isEmpty: Bool { cpu == nil && memory == nil && io == nil }

    /// The host's, from /proc/pressure (present when the kernel runs with PSI, cgroup v1 or v2).
    public static func host(directory: String = "/proc/pressure") -> PressureSet? {
        read { KernelFile.readIfPresent(directory + "/" + $0) }
    }

    /// A cgroup v2 directory's (`cpu.pressure`, `memory.pressure`, `io.pressure`).
    public static func cgroup(_ directory: String) -> PressureSet? {
        read { KernelFile.readIfPresent(directory + "/" + $0 + ".pressure") }
    }

    private static func read(_ file: (String) -> String?) -> PressureSet? {
        let set = PressureSet(cpu: file("cpu").flatMap(Pressure.parse),
                              memory: file("memory").flatMap(Pressure.parse),
                              io: file("io").flatMap(Pressure.parse))
        return set.isEmpty ? nil : set
    }
}
