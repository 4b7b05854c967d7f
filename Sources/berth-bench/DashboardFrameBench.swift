import BerthDashboard
import BerthOS
import BerthRuntime
import Foundation

/// Render time of one dashboard frame with 200 containers on the in-memory terminal, at 200×50 and
/// at 250×60 (issue 15's size for the ≤ 2 ms target). The model is synthetic (running containers in
/// services, with stats history so sparklines are full); before each timed frame a new snapshot is
/// applied, as the live dashboard does once per tick.
enum DashboardFrameBench {
    static let sizes = [(columns: 200, rows: 50), (columns: 250, rows: 60)]

    static func run(_ ctx: BenchContext) throws {
        for size in sizes { try run(ctx, columns: size.columns, rows: size.rows) }
    }

    static func run(_ ctx: BenchContext, columns: Int, rows: Int) throws {
        let containers = 200
        let frames = ctx.quick ? 50 : 200
        let history = 120
        FileHandle.standardError.write(Data("dashboard: \(frames) frames, \(containers) containers, \(columns)×\(rows)\n".utf8))
        let infos = (0..<containers).map(info)
        var model = DashboardModel(size: TerminalSize(columns: columns, rows: rows), showAll: true,
                                   now: Date(timeIntervalSince1970: 1_800_000_000))
        for k in 0..<history { _ = model.update(.snapshot(snapshot(infos, k: k))) }
        let terminal = MemoryTerminal(columns: columns, rows: rows)
        Dashboard.renderFrame(model, on: terminal) // warm-up
        if !terminal.text().contains("svc-0") {
            ctx.report.problem("dashboard frame: the rendered screen does not show the containers")
        }

        var render: [UInt64] = []
        var update: [UInt64] = []
        var renderCPU: [UInt64] = []
        var updateCPU: [UInt64] = []
        for f in 0..<frames {
            try StopFlag.shared.check()
            let s = snapshot(infos, k: history + f)
            let uc = CPUTime.selfAndChildren()
            let u0 = Clock.now()
            _ = model.update(.snapshot(s))
            update.append(Clock.now() - u0)
            let tc = CPUTime.selfAndChildren()
            let t0 = Clock.now()
            Dashboard.renderFrame(model, on: terminal)
            render.append(Clock.now() - t0)
            renderCPU.append(CPUTime.selfAndChildren() - tc)
            updateCPU.append(tc - uc)
        }
        ctx.report.raw("dashboard-frame", render)
        // CPU: the whole benchmark process (rusage; its precision is the kernel's, about a microsecond).
        if let r = Summary(nanos: render), let c = Summary(nanos: renderCPU) {
            ctx.report.add(ResultRow(benchmark: "dashboard, \(containers) containers, \(columns)×\(rows) in-memory terminal",
                                     subject: "render one frame", n: "\(frames)", median: Fmt.ms(r.median), p90: Fmt.ms(r.p90),
                                     target: "≤ 2 ms", met: r.median <= 2e6, cpu: Fmt.ms(c.median)))
        }
        if let u = Summary(nanos: update), let c = Summary(nanos: updateCPU) {
            ctx.report.add(ResultRow(benchmark: "dashboard, \(containers) containers, \(columns)×\(rows) in-memory terminal",
                                     subject: "apply one snapshot (model update, info)", n: "\(frames)",
                                     median: Fmt.ms(u.median), p90: Fmt.ms(u.p90), cpu: Fmt.ms(c.median)))
        }
    }

    static func id(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex + String(repeating: "5eed", count: 14)
    }

    /// 40 services of 5 replicas; every 10th container has a memory limit of 64 MiB, the rest 256 MiB.
    static func info(_ n: Int) -> ContainerInfo {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let service = "svc-\(n / 5)"
        let state = ContainerState(status: .running, pid: Int32(10_000 + n), shimPid: Int32(20_000 + n),
                                   startedAt: t0.addingTimeInterval(Double(-60 * n)))
        return ContainerInfo(id: id(n), name: "\(service)-\(n % 5 + 1)", image: "docker.io/library/busybox:latest",
                             command: ["sleep", "3600"], created: t0.addingTimeInterval(Double(-60 * n - 5)), state: state,
                             limits: ResourceLimits(memory: n % 10 == 0 ? 64 << 20 : 256 << 20, cpus: 0.5, pidsLimit: 100),
                             labels: ["berth.service": service], hostname: "c\(n)", network: .none)
    }

    static func snapshot(_ infos: [ContainerInfo], k: Int) -> EngineSnapshot {
        let stats = infos.enumerated().map { (i, c) -> ContainerStats in
            let n = UInt64(i + 1)
            // Cumulative CPU: 6 % of a core per container on average, wobbling so graphs move.
            let cpu = Double(k) * 6e7 + (sin(Double(k) / 7 + Double(i)) + 1) * 2e7
            return ContainerStats(id: c.id, timestamp: UInt64(k) * 1_000_000_000,
                                  cpuUsageNanos: UInt64(cpu),
                                  memoryUsage: (8 + n % 40 + UInt64(k % 5)) << 20,
                                  memoryLimit: c.limits.memory.map { UInt64($0) }, pids: 1 + n % 4, pidsLimit: 100,
                                  blockRead: UInt64(k) * 4096 * n, blockWrite: UInt64(k) * 1024 * n,
                                  netRx: UInt64(k) * 1_200 * n, netTx: UInt64(k) * 300 * n)
        }
        let host = HostInfo(hostname: "bench", kernel: "6.1", cgroupVersion: "v1", cpuCount: 2, memoryTotal: 8 << 30,
                            memoryAvailable: 5 << 30, cpuBusyTicks: UInt64(1000 + k * 30), cpuTotalTicks: UInt64(10000 + k * 200))
        return EngineSnapshot(containers: infos, stats: stats, host: host,
                              takenAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(k)))
    }
}
