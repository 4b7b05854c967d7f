import BerthOS
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// CLOCK_MONOTONIC in nanoseconds.
enum Clock {
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Order statistics of a set of measurements (nanoseconds or any unit).
struct Summary {
    let count: Int
    let median: Double
    let p90: Double
    let mean: Double
    let min: Double
    let max: Double

    init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        count = s.count
        // Nearest-rank percentiles; the median of an even count is the mean of the two middle values.
        median = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        p90 = s[Swift.max(0, Int((0.9 * Double(s.count)).rounded(.up)) - 1)]
        mean = s.reduce(0, +) / Double(s.count)
        min = s[0]
        max = s[s.count - 1]
    }

    init?(nanos: [UInt64]) { self.init(nanos.map { Double($0) }) }
}

/// Set from a signal handler's dispatch source; long loops check it and stop so cleanup can run.
final class StopFlag: Sendable {
    static let shared = StopFlag()
    private let stopped = Atomic<Bool>(false)
    var isSet: Bool { stopped.load(ordering: .relaxed) }
    func set() { stopped.store(true, ordering: .relaxed) }

    func check() throws {
        if isSet { throw BenchError("interrupted") }
    }
}

/// Runs programs with posix_spawn and waitpid (never Foundation.Process, which polls in 50 ms steps).
enum Spawn {
    struct Result {
        var status: Int32
        var output: String
        var nanos: UInt64
        /// user + system CPU of the process and every descendant it reaped (wait4's rusage).
        var cpuNanos: UInt64
        var succeeded: Bool { status == 0 }
    }

    /// Runs `argv` to completion. stdin is /dev/null; stdout is captured when `capture`, else /dev/null;
    /// stderr is captured together with stdout when `capture`, else goes to `stderrFile` or /dev/null.
    /// Never capture from a command that leaves a detached process holding its stdout (no EOF).
    /// `environment`: nil keeps the benchmark's own. The duration covers spawn to reap.
    @discardableResult
    static func run(_ argv: [String], capture: Bool = false, environment: [String]? = nil,
                    stderrFile: String? = nil) throws -> Result {
        var fds: [Int32] = [-1, -1]
        if capture {
            guard pipe(&fds) == 0 else { throw BenchError("pipe: \(String(cString: strerror(errno)))") }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        }
        let start = Clock.now()
        let pid: pid_t
        do {
            pid = try spawn(argv, outputFD: capture ? fds[1] : nil, environment: environment, stderrFile: stderrFile)
        } catch {
            if capture { close(fds[0]); close(fds[1]) }
            throw error
        }
        if capture { close(fds[1]) }
        var output = [UInt8]()
        if capture {
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fds[0], &buf, buf.count)
                if n > 0 { output.append(contentsOf: buf[0..<n]); continue }
                if n < 0 && errno == EINTR { continue }
                break
            }
            close(fds[0])
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            if errno != EINTR { break }
        }
        let end = Clock.now()
        return Result(status: exitCode(status), output: String(decoding: output, as: UTF8.self), nanos: end - start,
                      cpuNanos: CPUTime.nanos(usage))
    }

    /// Starts `argv` with stdin from /dev/null, stdout to /dev/null and stderr to `stderrFile` (or
    /// /dev/null); the caller reaps it.
    static func start(_ argv: [String], stderrFile: String?) throws -> pid_t {
        try spawn(argv, outputFD: nil, environment: nil, stderrFile: stderrFile)
    }

    /// posix_spawn with the descriptors above (`outputFD`: stdout and stderr both go there).
    private static func spawn(_ argv: [String], outputFD: Int32?, environment: [String]?, stderrFile: String?) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let fd = outputFD {
            posix_spawn_file_actions_adddup2(&actions, fd, 1)
            posix_spawn_file_actions_adddup2(&actions, fd, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            if let file = stderrFile {
                posix_spawn_file_actions_addopen(&actions, 2, file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            } else {
                posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            }
        }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // The benchmark ignores SIGINT/SIGTERM (a dispatch source handles them); children get the defaults.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, s) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setsigmask(&attr, &mask)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cargs.append(nil)
        defer { for p in cargs { free(p) } }
        var cenv: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup($0) } + [nil] }
        defer { if let e = cenv { for p in e { free(p) } } }

        var pid: pid_t = 0
        let rc: Int32
        if cenv != nil {
            rc = posix_spawn(&pid, argv[0], &actions, &attr, &cargs, &cenv!)
        } else {
            rc = posix_spawn(&pid, argv[0], &actions, &attr, &cargs, environ)
        }
        guard rc == 0 else { throw BenchError("posix_spawn \(argv[0]): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// The shell's convention: the exit status, or 128 + the signal.
    /// WIFEXITED / WEXITSTATUS are macros Swift cannot import.
    static func exitCode(_ status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Runs and throws unless the exit status is 0.
    @discardableResult
    static func check(_ argv: [String], environment: [String]? = nil) throws -> String {
        let r = try run(argv, capture: true, environment: environment)
        guard r.succeeded else {
            throw BenchError("\(argv.joined(separator: " ")) exited \(r.status): \(r.output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return r.output
    }

    /// The absolute path of `name` on PATH, or nil.
    static func which(_ name: String) -> String? {
        if name.hasPrefix("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}

/// CPU time (user + system) from rusage, in nanoseconds. The kernel keeps the sum precisely
/// (scheduler runtime); only its split into user and system is sampled.
enum CPUTime {
    static func nanos(_ u: rusage) -> UInt64 {
        func ns(_ t: timeval) -> UInt64 { UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_usec) * 1000 }
        return ns(u.ru_utime) + ns(u.ru_stime)
    }

    /// This process (all threads) plus its reaped children: what an in-process benchmark costs.
    static func selfAndChildren() -> UInt64 {
        var me = rusage(), children = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &me)
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &children)
        return nanos(me) + nanos(children)
    }

    /// Time on CPU of one task from /proc/PID/schedstat (nanoseconds, its first field): a
    /// detached process no one here reaps (a supervisor). Its own threads only, not its children.
    static func scheduled(pid: Int32) -> UInt64? {
        Files.read("/proc/\(pid)/schedstat")?.split(separator: " ").first.flatMap { UInt64($0) }
    }
}

/// Small /proc and file helpers.
enum Files {
    static func read(_ path: String) -> String? { FileIO.readString(path) }

    static func write(_ path: String, _ text: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw BenchError("cannot write \(path)")
        }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func firstInteger(_ path: String) -> UInt64? {
        read(path).flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// A `Key:   123 kB` field of /proc/PID/status or smaps_rollup, in bytes.
    static func kBField(_ path: String, _ key: String) -> UInt64? {
        guard let text = read(path) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if parts.count >= 2, let kb = UInt64(parts[1]) { return kb * 1024 }
        }
        return nil
    }

    /// utime + stime of a process, in clock ticks (all its threads).
    static func cpuTicks(pid: Int32) -> UInt64? {
        guard let text = read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        guard fields.count > 12, let u = UInt64(fields[11]), let s = UInt64(fields[12]) else { return nil }
        return u + s
    }

    static func executablePath() -> String {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// True when some mount point lies at or below `path` (then the tree must not be deleted).
    static func hasMounts(under path: String) -> Bool {
        guard let info = read("/proc/self/mountinfo") else { return true }
        for line in info.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count > 4 else { continue }
            let mp = String(f[4])
            if mp == path || mp.hasPrefix(path + "/") { return true }
        }
        return false
    }
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
