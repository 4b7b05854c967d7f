import BerthOS

/// Linux signal names and numbers for `kill -s`, `--stop-signal` and exit-status display.
///
/// Numbers are the generic Linux ones (x86 and arm64 agree; alpha, mips and sparc differ, and Berth
/// does not target them).
public enum SignalName {
    /// Real-time signals as glibc exposes them: the kernel's 32 and 33 are reserved for threading.
    public static let realtimeMinimum: Int32 = 34
    public static let realtimeMaximum: Int32 = 64

    /// Accepts "KILL", "SIGKILL", "kill", "9", "RTMIN+3", "SIGRTMAX-1" and the aliases IOT, CLD, POLL.
    public static func parse(_ text: String) throws(BerthError) -> Int32 {
        let invalid = BerthError.invalidArgument("invalid signal \(text.quoted): expected a name such as TERM or KILL, or a number 1-64")
        if !text.isEmpty, text.allSatisfy(\.isASCIIDigit) {
            guard let number = Int32(text), (1...realtimeMaximum).contains(number) else { throw invalid }
            return number
        }
        var name = Substring(text.uppercased())
        if name.hasPrefix("SIG") { name = name.dropFirst(3) }
        if let number = byName[String(name)] { return number }
        if let number = realtime(name) { return number }
        throw invalid
    }

    /// "SIGKILL" for 9, "SIGRTMIN+2" for 36; `nil` outside 1-64.
    public static func name(of number: Int32) -> String? {
        if let index = standard.firstIndex(where: { $0.number == number }) { return "SIG" + standard[index].name }
        if number == realtimeMinimum { return "SIGRTMIN" }
        if number == realtimeMaximum { return "SIGRTMAX" }
        if number > realtimeMinimum && number < realtimeMaximum { return "SIGRTMIN+\(number - realtimeMinimum)" }
        return nil
    }

    /// Canonical names first, so `name(of:)` prefers "ABRT" to "IOT".
    private static let standard: [(name: String, number: Int32)] = [
        ("HUP", 1), ("INT", 2), ("QUIT", 3), ("ILL", 4), ("TRAP", 5), ("ABRT", 6), ("BUS", 7),
        ("FPE", 8), ("KILL", 9), ("USR1", 10), ("SEGV", 11), ("USR2", 12), ("PIPE", 13), ("ALRM", 14),
        ("TERM", 15), ("STKFLT", 16), ("CHLD", 17), ("CONT", 18), ("STOP", 19), ("TSTP", 20),
        ("TTIN", 21), ("TTOU", 22), ("URG", 23), ("XCPU", 24), ("XFSZ", 25), ("VTALRM", 26),
        ("PROF", 27), ("WINCH", 28), ("IO", 29), ("PWR", 30), ("SYS", 31),
        ("IOT", 6), ("CLD", 17), ("POLL", 29),
    ]

    private static let byName: [String: Int32] = Dictionary(standard.map { ($0.name, $0.number) }) { first, _ in first }

    /// "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n", staying within the real-time range.
    private static func realtime(_ name: Substring) -> Int32? {
        for (base, value, sign) in [("RTMIN", realtimeMinimum, Int32(1)), ("RTMAX", realtimeMaximum, Int32(-1))] {
            guard name.hasPrefix(base) else { continue }
            let rest = name.dropFirst(base.count)
            if rest.isEmpty { return value }
            let expectedSign: Character = sign > 0 ? "+" : "-"
            guard rest.first == expectedSign, let offset = Int32(rest.dropFirst()),
                  rest.dropFirst().allSatisfy(\.isASCIIDigit) else { return nil }
            let number = value + sign * offset
            return (realtimeMinimum...realtimeMaximum).contains(number) ? number : nil
        }
        return nil
    }
}
