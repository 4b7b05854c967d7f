import BerthOS
import Foundation
import Yams

extension Reader {
    /// `x-berth-autoscale:` of a service: the fields of `berth service autoscale`, spelt as its
    /// flags (`min`, `max`, `cpu-target: 50%` or `50`, `memory-target`, `scale-up-stabilization:
    /// 0s`, `scale-down-stabilization: 60s`, `interval: 15s`). Checked here with the key path of
    /// the value at fault; the range against the root's maximum is checked by the engine.
    mutating func autoscale(_ node: Node, _ path: String) throws -> AutoscalePolicy {
        var policy = AutoscalePolicy(min: 0, max: 0)
        var sawMin = false, sawMax = false
        for (key, value) in try mapping(node, path) {
            let kpath = "\(path).\(key)"
            switch key {
            case "min": policy.min = try integer(value, kpath, minimum: 1); sawMin = true
            case "max": policy.max = try integer(value, kpath, minimum: 1); sawMax = true
            case "cpu-target", "cpu_target": policy.cpuTarget = try percent(value, kpath)
            case "memory-target", "memory_target": policy.memoryTarget = try percent(value, kpath)
            case "scale-up-stabilization", "scale_up_stabilization": policy.scaleUpStabilization = try duration(value, kpath)
            case "scale-down-stabilization", "scale_down_stabilization": policy.scaleDownStabilization = try duration(value, kpath)
            case "interval": policy.interval = try duration(value, kpath)
            default: throw fail(kpath, "unknown field (expected min, max, cpu-target, memory-target, scale-up-stabilization, scale-down-stabilization or interval)")
            }
        }
        guard sawMin else { throw fail("\(path).min", "missing") }
        guard sawMax else { throw fail("\(path).max", "missing") }
        do { try policy.validate(field: { "\(path).\($0)" }, maxReplicas: Int.max) } catch { throw error }
        return policy
    }

    private mutating func percent(_ node: Node, _ path: String) throws -> Int {
        var text = try string(node, path)
        if text.hasSuffix("%") { text.removeLast() }
        guard let n = Int(text) else { throw fail(path, "expected a percentage such as 50%, not \(text.quoted)") }
        return n
    }

    private mutating func duration(_ node: Node, _ path: String) throws -> Double {
        let text = try string(node, path)
        do { return try DurationParser.parseDuration(text) } catch { throw fail(path, error.description) }
    }
}
