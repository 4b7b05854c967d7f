import BerthRuntime
import Foundation

/// One stats sample of every running container: `engine.sampleStats()` in-process (the dashboard's
/// path) and `berth stats --no-stream --json` as a subprocess.
enum StatsBench {
    static func run(_ ctx: BenchContext, running: Int) throws {
        let iterations = ctx.quick ? 50 : 500
        FileHandle.standardError.write(Data("stats: \(iterations) samples of \(running) containers\n".utf8))
        // The first sample opens every container's files; later ones pread them.
        let first = Clock.now()
        let opened = ctx.engine.sampleStats()
        let firstNanos = Clock.now() - first
        if opened.count != running {
            ctx.report.problem("stats: sampleStats returned \(opened.count) containers, \(running) are running")
        }
        var times: [UInt64] = []
        var cpus: [UInt64] = []
        for _ in 0..<iterations {
            try StopFlag.shared.check()
            let c0 = CPUTime.selfAndChildren()
            let t0 = Clock.now()
            let s = ctx.engine.sampleStats()
            times.append(Clock.now() - t0)
            cpus.append(CPUTime.selfAndChildren() - c0)
            if s.count != opened.count { ctx.report.problem("stats: a sample returned \(s.count) containers") }
        }
        let per = Double(max(1, opened.count))
        ctx.report.raw("stats-sample", times)
        guard let sum = Summary(nanos: times), let cpu = Summary(nanos: cpus) else { return }
        // Every 5th sample also reads memory.stat and the limits: the mean is what a dashboard pays per tick.
        ctx.report.add(ResultRow(benchmark: "stats sample, \(opened.count) containers", subject: "Berth library `sampleStats()`, per container",
                                 n: "\(iterations)", median: Fmt.us(sum.median / per), p90: Fmt.us(sum.p90 / per),
                                 target: "≤ 15 µs", met: sum.mean / per <= 15_000,
                                 note: "mean \(Fmt.us(sum.mean / per)); whole sample median \(Fmt.ms(sum.median)); first sample (opens files) \(Fmt.ms(Double(firstNanos))); CPU mean \(Fmt.us(cpu.mean / per))",
                                 cpu: Fmt.us(cpu.median / per)))

        let cliRuns = ctx.quick ? 3 : 10
        var cli: [UInt64] = []
        var cliCPU: [UInt64] = []
        let errFile = ctx.workDir + "/cli-stderr"
        for _ in 0..<cliRuns {
            try StopFlag.shared.check()
            let r = try Spawn.run(ctx.cliArgs(["stats", "--no-stream", "--json"]), stderrFile: errFile)
            if !r.succeeded { throw BenchError("berth stats exited \(r.status): \(Files.read(errFile) ?? "")") }
            cli.append(r.nanos)
            cliCPU.append(r.cpuNanos)
        }
        ctx.report.raw("stats-cli", cli)
        if let c = Summary(nanos: cli), let cc = Summary(nanos: cliCPU) {
            ctx.report.add(ResultRow(benchmark: "stats sample, \(opened.count) containers", subject: "Berth CLI `berth stats --no-stream --json`",
                                     n: "\(cliRuns)", median: Fmt.ms(c.median), p90: Fmt.ms(c.p90),
                                     note: String(format: "includes its 250 ms pause between two samples for CPU%%; %.0f µs/container without it",
                                                  max(0, c.median - 250e6) / per / 1e3), cpu: Fmt.ms(cc.median)))
        }
    }
}
