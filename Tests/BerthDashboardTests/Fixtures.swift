import BerthOS
import BerthRuntime
@testable import BerthDashboard
import Foundation

/// Deterministic containers, stats and history for golden screens and reducer tests.
enum Fixtures {
    static let t0 = Date(timeIntervalSince1970: 1_795_953_600) // 2026-11-29 12:00:00 UTC
    static let host = HostInfo(hostname: "dock-01", kernel: "6.1.0-28-amd64", cgroupVersion: "v1 (hybrid)", cpuCount: 2,
                               memoryTotal: 8 << 30, memoryAvailable: 5 << 30, cpuBusyTicks: 1000, cpuTotalTicks: 10000)

    static func id(_ n: Int) -> String { String(format: "%02x", n) + String(repeating: "ab12cd34", count: 8).dropFirst(2) }

    static func container(_ n: Int, _ name: String, image: String = "docker.io/library/nginx:1.27", service: String? = nil,
                          status: ContainerStatus = .running, exitCode: Int32? = nil, oom: Bool = false,
                          memoryLimit: Int64? = 256 << 20, cpus: Double? = nil, restarts: Int = 0) -> ContainerInfo {
        var labels: [String: String] = [:]
        if let service { labels["berth.service"] = service }
        let running = status == .running
        let state = ContainerState(status: status, pid: running ? Int32(4000 + n) : nil, shimPid: Int32(3000 + n),
                                   exitCode: exitCode, oomKilled: oom, startedAt: t0.addingTimeInterval(Double(-600 * n)),
                                   finishedAt: running ? nil : t0.addingTimeInterval(-30), restartCount: restarts)
        return ContainerInfo(id: id(n), name: name, image: image, command: ["nginx", "-g", "daemon off;"],
                             created: t0.addingTimeInterval(Double(-3600 - 600 * n)), state: state,
                             limits: ResourceLimits(memory: memoryLimit, cpus: cpus, pidsLimit: 100),
                             restartPolicy: .always, labels: labels, hostname: name, network: .bridge,
                             ipAddress: "10.88.0.\(n + 1)")
    }

    static let standard: [ContainerInfo] = [
        container(1, "web-1", service: "web", cpus: 0.5),
        container(2, "web-2", service: "web", cpus: 0.5, restarts: 2),
        container(3, "web-3", service: "web", cpus: 0.5),
        container(4, "db", image: "docker.io/library/postgres:16", memoryLimit: 1 << 30),
        container(5, "worker", image: "ghcr.io/acme/worker:2.3.1", status: .exited, exitCode: 137, oom: true),
        container(6, "cron", image: "docker.io/library/alpine:3.20", status: .exited, exitCode: 0, memoryLimit: nil),
        container(7, "migrate", image: "ghcr.io/acme/migrate:latest", status: .created, memoryLimit: nil),
    ]

    /// Stats for sample `k` of running containers: a smooth, distinct load per container.
    static func stats(_ infos: [ContainerInfo], k: Int) -> [ContainerStats] {
        infos.enumerated().compactMap { (i, c) in
            guard c.state.isRunning else { return nil }
            let n = UInt64(i + 1)
            // Cumulative CPU: the sum of a smooth per-second load, a few percent to 60% of a core per container.
            let cpu = (0..<k).reduce(UInt64(0)) { sum, j in
                sum + UInt64((sin(Double(j) / 5 + Double(i)) + 1.1) * 1.8e8 * Double(n + 1) / 3)
            }
            return ContainerStats(id: c.id, timestamp: UInt64(k) * 1_000_000_000, cpuUsageNanos: cpu,
                                  cpuThrottledNanos: 120_000_000 * n, cpuThrottledPeriods: 3 * n,
                                  memoryUsage: (20 + 15 * n + UInt64(k % 7)) << 20,
                                  memoryLimit: c.limits.memory.map { UInt64($0) }, pids: 2 + n, pidsLimit: 100,
                                  blockRead: UInt64(k) * 4096 * n, blockWrite: UInt64(k) * 1024 * n,
                                  netRx: UInt64(k) * 12_000 * n, netTx: UInt64(k) * 3_000 * n)
        }
    }

    static func snapshot(_ infos: [ContainerInfo], k: Int) -> EngineSnapshot {
        var h = host
        h.cpuBusyTicks += UInt64(k * 30); h.cpuTotalTicks += UInt64(k * 200)
        return EngineSnapshot(containers: infos, stats: stats(infos, k: k), host: h, takenAt: t0.addingTimeInterval(Double(k)))
    }

    /// A model that has seen `samples` ticks of `infos`.
    static func model(_ infos: [ContainerInfo] = standard, columns: Int = 120, rows: Int = 40, samples: Int = 90,
                      theme: String = "default", mode: ColorMode = .truecolor, unicode: Bool = true,
                      available: ActionAvailability = ActionAvailability()) -> DashboardModel {
        let catalog = ThemeCatalog.builtin()
        var m = DashboardModel(size: TerminalSize(columns: columns, rows: rows), theme: catalog.named(theme)!, themes: catalog,
                               colorMode: mode, unicode: unicode, showAll: true, available: available, now: t0)
        for k in 0..<samples { _ = m.update(.snapshot(snapshot(infos, k: k))) }
        return m
    }

    static func logLines(_ n: Int) -> [LogLine] {
        let base = Int64(t0.timeIntervalSince1970) * 1_000_000_000
        return (0..<n).map { (i: Int) -> LogLine in
            let stamp: Int64 = base + Int64(i) * 250_000_000
            if i % 5 == 4 {
                return LogLine(timestampNanos: stamp, stream: .stderr, text: "warn: upstream timed out after \(i) ms")
            }
            let text = "10.88.0.\(i % 9) - GET /api/items/\(i) HTTP/1.1 200 \(512 + i)"
            return LogLine(timestampNanos: stamp, stream: .stdout, text: text)
        }
    }
}

extension DashboardModel {
    /// Sends keys; returns every effect in order.
    @discardableResult
    mutating func press(_ keys: Key...) -> [Effect] {
        keys.flatMap { update(.key($0)) }
    }

    @discardableResult
    mutating func type(_ text: String) -> [Effect] {
        text.flatMap { update(.key(.char($0))) }
    }
}
