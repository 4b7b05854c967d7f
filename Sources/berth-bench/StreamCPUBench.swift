import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `berth system stream` (what a remote dashboard runs on each host, issue 16) at the dashboard's
/// interval with the running containers: its CPU (utime + stime, /proc/PID/stat) over a window
/// after a warm-up, its RSS and open files at the end, and how many bytes it wrote. Its stdout is
/// a pipe this process drains (as ssh would), its stdin a pipe whose close ends it.
enum StreamCPUBench {
    static func run(_ ctx: BenchContext, running: Int) throws {
        let seconds = ctx.quick ? 10 : 60
        FileHandle.standardError.write(Data("stream-cpu: berth system stream for \(seconds) s with \(running) containers\n".utf8))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ctx.berthCLI)
        p.arguments = Array(ctx.cliArgs(["system", "stream", "--interval", "1"]).dropFirst())
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        let errPath = ctx.workDir + "/stream.err"
        guard FileManager.default.createFile(atPath: errPath, contents: nil), let errors = FileHandle(forWritingAtPath: errPath) else {
            throw BenchError("cannot create \(errPath)")
        }
        p.standardError = errors
        try p.run()
        try? errors.close()
        /// What the stream said on stderr, for a failure's message.
        func said() -> String { (Files.read(errPath) ?? "").split(separator: "\n").suffix(3).joined(separator: " / ") }
        // Drained on a thread of its own, counted; ends at EOF (the stream exited).
        let drained = DrainCounter()
        let reader = Thread {
            let fd = output.fileHandleForReading.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                drained.add(n)
            }
            drained.finish()
        }
        reader.start()
        defer {
            // EOF on its stdin ends the stream; SIGKILL if it has not gone after 5 s.
            try? input.fileHandleForWriting.close()
            for _ in 0..<50 where p.isRunning { usleep(100_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            drained.waitFinished()
        }
        let pid = p.processIdentifier
        sleep(3)
        guard let before = Files.cpuTicks(pid: pid) else { throw BenchError("berth system stream exited early: \(said())") }
        let bytes0 = drained.bytes
        let t0 = Clock.now()
        for _ in 0..<seconds {
            try StopFlag.shared.check()
            sleep(1)
        }
        guard let after = Files.cpuTicks(pid: pid) else { throw BenchError("berth system stream exited during the measurement (status \(p.isRunning ? -1 : p.terminationStatus)): \(said())") }
        let elapsed = Double(Clock.now() - t0) / 1e9
        let written = drained.bytes - bytes0
        let rss = Double(Files.kBField("/proc/\(pid)/status", "VmRSS") ?? 0)
        let hwm = Double(Files.kBField("/proc/\(pid)/status", "VmHWM") ?? 0)
        let files = DashboardCPUBench.openFiles(pid)
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let cpuPercent = Double(after - before) / ticksPerSecond / elapsed * 100
        if written == 0 { ctx.report.problem("stream-cpu: the stream wrote nothing in \(seconds) s") }

        let bench = "`berth system stream --interval 1`, \(running) running containers, stdout drained"
        ctx.report.add(ResultRow(benchmark: bench, subject: "CPU, % of one core", n: "\(seconds) s",
                                 median: String(format: "%.2f %%", cpuPercent), p90: "–", target: "≤ 0.5 %", met: cpuPercent <= 0.5,
                                 note: String(format: "%.2f s of CPU (%llu ticks of 1/%d s) in %.0f s", Double(after - before) / ticksPerSecond, after - before, Int32(ticksPerSecond), elapsed)
                                     + "; at the end: \(loadLine())"))
        ctx.report.add(ResultRow(benchmark: bench, subject: "RSS at the end", n: "1", median: Fmt.mib(rss), p90: "–",
                                 target: "≤ 20 MiB", met: rss <= DashboardCPUBench.rssTarget, note: "peak \(Fmt.mib(hwm))"))
        ctx.report.add(ResultRow(benchmark: bench, subject: "open files at the end", n: "1", median: "\(files)", p90: "–",
                                 note: String(format: "%.1f per container", Double(files) / Double(max(1, running)))))
        ctx.report.add(ResultRow(benchmark: bench, subject: "bytes written per second", n: "\(seconds) s",
                                 median: Fmt.kib(Double(written) / elapsed), p90: "–"))
    }
}

/// Bytes read by the drain thread, and its end.
private final class DrainCounter: @unchecked Sendable {
    private let lock = NSCondition()
    private var total = 0
    private var done = false

    func add(_ n: Int) { lock.lock(); total += n; lock.unlock() }
    var bytes: Int { lock.lock(); defer { lock.unlock() }; return total }
    func finish() { lock.lock(); done = true; lock.broadcast(); lock.unlock() }
    func waitFinished() { lock.lock(); while !done { lock.wait() }; lock.unlock() }
}
