import BerthOS
import Yams

/// The compose keys for the limits beyond `mem_limit`/`cpus`/`deploy.resources.limits` (which
/// `service` reads itself): `cpu_period`, `cpu_quota`, `cpuset`, `mem_reservation` and
/// `blkio_config`, parsed as the `run` flags are (`ByteSize`, `BlockDeviceRate`) and judged by
/// `LimitRules` with the rest; `paths` records where each came from, so a broken rule names the key.
extension Reader {
    /// Reads `key` into `limits` when it is one of these keys; false for any other key.
    mutating func limitKey(_ key: String, _ value: Node, _ path: String, _ limits: inout ResourceLimits,
                           _ paths: inout [LimitRules.Field: String]) throws -> Bool {
        switch key {
        case "cpu_period":
            limits.cpuPeriod = try microseconds(value, path)
            paths[.cpuPeriod] = path
        case "cpu_quota":
            limits.cpuQuota = try microseconds(value, path)
            paths[.cpuQuota] = path
        case "cpuset":
            limits.cpusetCpus = try string(value, path)
            paths[.cpusetCpus] = path
        case "mem_reservation":
            limits.memoryReservation = try memory(value, path)
            paths[.memoryReservation] = path
        case "blkio_config": try blkioConfig(value, path, &limits, &paths)
        default: return false
        }
        return true
    }

    /// compose's `cpu_period`/`cpu_quota`: microseconds as an integer, or a duration such as
    /// `100ms`; 0 is "not set" (docker's and compose's meaning), -1 a quota's "no quota".
    private mutating func microseconds(_ node: Node, _ path: String) throws -> Int64? {
        let text = try string(node, path).trimmingCharacters(in: .whitespaces)
        let micros: Int64
        if let n = Int64(text) {
            micros = n
        } else if let seconds = try? DurationParser.parseDuration(text), seconds.isFinite, seconds >= 0, seconds < 1e6 {
            micros = Int64((seconds * 1e6).rounded())
        } else {
            throw fail(path, "expected microseconds or a duration such as 100ms, not \(text.quoted)")
        }
        return micros == 0 ? nil : micros
    }

    /// `blkio_config: {weight, device_read_bps: [{path, rate}], device_write_bps, device_read_iops,
    /// device_write_iops}`; `weight_device` is not supported (a per-device weight has no flag in Berth).
    private mutating func blkioConfig(_ node: Node, _ path: String, _ limits: inout ResourceLimits,
                                      _ paths: inout [LimitRules.Field: String]) throws {
        for (key, value) in try mapping(node, path) {
            let keyPath = "\(path).\(key)"
            switch key {
            case "weight":
                let w = try integer(value, keyPath)
                limits.blkioWeight = w == 0 ? nil : w // docker: 0 is "not set"
                paths[.blkioWeight] = keyPath
            case "device_read_bps": limits.blkioDeviceReadBps = try deviceRates(value, keyPath, bytes: true)
            case "device_write_bps": limits.blkioDeviceWriteBps = try deviceRates(value, keyPath, bytes: true)
            case "device_read_iops": limits.blkioDeviceReadIOps = try deviceRates(value, keyPath, bytes: false)
            case "device_write_iops": limits.blkioDeviceWriteIOps = try deviceRates(value, keyPath, bytes: false)
            default: throw fail(keyPath, "not supported (weight, device_read_bps, device_write_bps, device_read_iops, device_write_iops are)")
            }
            paths[.blkioDeviceRate] = paths[.blkioDeviceRate] ?? path
        }
    }

    private mutating func deviceRates(_ node: Node, _ path: String, bytes: Bool) throws -> [BlockDeviceRate] {
        guard case .sequence(let seq) = node else { throw fail(path, "expected a list of {path, rate}") }
        return try seq.enumerated().map { i, item in
            let itemPath = "\(path)[\(i)]"
            var device: String?, rate: String?
            for (key, value) in try mapping(item, itemPath) {
                switch key {
                case "path": device = try string(value, "\(itemPath).path")
                case "rate": rate = try string(value, "\(itemPath).rate")
                default: throw fail("\(itemPath).\(key)", "not supported (path and rate are)")
                }
            }
            guard let device else { throw fail(itemPath, "missing path") }
            guard let rate else { throw fail(itemPath, "missing rate") }
            // Its messages name the item's path (`what`), as the CLI's name the flag.
            return try BlockDeviceRate.parse(device + ":" + rate, flag: itemPath, bytes: bytes)
        }
    }
}
