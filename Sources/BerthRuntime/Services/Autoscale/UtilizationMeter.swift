import BerthOS
import Foundation

/// Turns successive stats samples of a service's replicas into `ServiceUtilization`: CPU from
/// the growth of each replica's usage counter between two samples, memory from the latest one.
/// A replica seen for the first time (just started, or restarted: its counter went back) is not
/// measured until its next sample, as Kubernetes ignores pods that are not ready.
public struct UtilizationMeter: Sendable {
    private var previous: [String: ContainerStats] = [:]

    public init() {}

    /// `limits` gives each running replica's CPU limit in cores (nil: unlimited).
    public mutating func measure(_ samples: [ContainerStats], cpuLimits: [String: Double?]) -> ServiceUtilization {
        var cpu: [Double] = [], memory: [Double] = []
        var next: [String: ContainerStats] = [:]
        for s in samples {
            next[s.id] = s
            if let limit = s.memoryLimit, limit > 0, limit < UInt64(Int64.max) {
                memory.append(Double(s.memoryUsage) * 100 / Double(limit))
            }
            guard let before = previous[s.id], s.timestamp > before.timestamp, s.cpuUsageNanos >= before.cpuUsageNanos else { continue }
            let cores = Double(s.cpuUsageNanos - before.cpuUsageNanos) / Double(s.timestamp - before.timestamp)
            let limit = (cpuLimits[s.id] ?? nil).flatMap { $0 > 0 ? $0 : nil } ?? 1
            cpu.append(cores * 100 / limit)
        }
        previous = next
        func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }
        return ServiceUtilization(cpuPercent: mean(cpu), memoryPercent: mean(memory), measured: cpu.count)
    }
}
