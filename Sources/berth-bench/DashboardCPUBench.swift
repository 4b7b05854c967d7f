import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The live dashboard (`berth top`, 1 s ticks) in a 200×50 tmux pane (a private tmux server) with the
/// running containers: its CPU (utime + stime of all its threads, from /proc/PID/stat) over a window
/// after a warm-up, its RSS and open files at the end, and the load average at the end (its 1-minute
/// figure covers the window; the machine may be shared: CPU time is the process's own, whatever
/// the load).
enum DashboardCPUBench {
    /// Issue 15's targets: ≤ 0.5 % of a core with 200 containers, ≤ 1 % with 500 (scaled between).
    static func cpuTarget(running: Int) -> Double { running <= 200 ? 0.5 : 1.0 }
    static let rssTarget = 20.0 * 1048576
    /// Open files per running container at most (the slow files are opened only when due).
    static let filesPerContainer = 4

    /// The open file descriptors of `pid`.
    static func openFiles(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    static func run(_ ctx: BenchContext, running: Int) throws {
        let seconds = ctx.quick ? 10 : 60
        let warmup: UInt32 = 3
        FileHandle.standardError.write(Data("dashboard-cpu: berth top for \(seconds) s with \(running) containers\n".utf8))
        let session = "bench"
        let command = "exec env TERM=xterm-256color LANG=C.UTF-8 \(ctx.berthCLI) --root \(ctx.root) --cgroup-parent \(ctx.cgroupParent) top"
        try ctx.tmux(["new-session", "-d", "-s", session, "-x", "200", "-y", "50", command])
        defer { ctx.cleanupTmux() }
        let panePid = try ctx.tmux(["list-panes", "-t", session, "-F", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pid = Int32(panePid), Files.read("/proc/\(pid)/comm")?.hasPrefix("berth") == true else {
            throw BenchError("the tmux pane does not run berth (pane pid \(panePid))")
        }
        sleep(warmup)
        let screen = (try? ctx.tmux(["capture-pane", "-p", "-t", session])) ?? ""
        if running > 0 && !screen.contains("bench-lib-") {
            ctx.report.problem("dashboard-cpu: the dashboard does not show the containers; screen:\n\(screen)")
        }
        guard let before = Files.cpuTicks(pid: pid) else { throw BenchError("berth top exited early") }
        let t0 = Clock.now()
        for _ in 0..<seconds {
            try StopFlag.shared.check()
            sleep(1)
        }
        guard let after = Files.cpuTicks(pid: pid) else { throw BenchError("berth top exited during the measurement") }
        let elapsed = Double(Clock.now() - t0) / 1e9
        let rss = Double(Files.kBField("/proc/\(pid)/status", "VmRSS") ?? 0)
        let hwm = Double(Files.kBField("/proc/\(pid)/status", "VmHWM") ?? 0)
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let cpuPercent = Double(after - before) / ticksPerSecond / elapsed * 100
        let files = openFiles(pid)
        let load = loadLine()
        _ = try? ctx.tmux(["send-keys", "-t", session, "q"])

        let bench = "dashboard `berth top` at 1 Hz, \(running) running containers, tmux 200×50"
        let target = cpuTarget(running: running)
        ctx.report.add(ResultRow(benchmark: bench, subject: "CPU, % of one core", n: "\(seconds) s",
                                 median: String(format: "%.2f %%", cpuPercent), p90: "–", target: String(format: "≤ %g %%", target),
                                 met: cpuPercent <= target,
                                 note: String(format: "%.2f s of CPU (%llu ticks of 1/%d s) in %.0f s", Double(after - before) / ticksPerSecond, after - before, Int32(ticksPerSecond), elapsed)
                                     + "; at the end: \(load)"))
        ctx.report.add(ResultRow(benchmark: bench, subject: "RSS at the end", n: "1", median: Fmt.mib(rss), p90: "–",
                                 target: "≤ 20 MiB", met: rss <= rssTarget, note: "peak \(Fmt.mib(hwm))"))
        let filesTarget = 64 + filesPerContainer * running
        ctx.report.add(ResultRow(benchmark: bench, subject: "open files at the end", n: "1", median: "\(files)", p90: "–",
                                 target: "≤ \(filesPerContainer) per container", met: files >= 0 && files <= filesTarget,
                                 note: String(format: "%.1f per container", Double(files) / Double(max(1, running)))))
    }
}
