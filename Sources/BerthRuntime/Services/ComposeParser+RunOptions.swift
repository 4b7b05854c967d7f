import BerthOS
import Yams

/// The compose keys for `RunOptions`, with the same parsers as the `run` flags (`RunOptionRules`),
/// so a compose file and `berth run` mean the same thing by each setting.
extension Reader {
    /// Reads `key` into `o` when it is a run-option key; false for any other key.
    mutating func runOption(_ key: String, _ value: Node, _ path: String, _ o: inout RunOptions) throws -> Bool {
        func wrap<T>(_ body: () throws -> T) throws -> T {
            do { return try body() } catch let e as BerthError { throw fail(path, e.description) }
        }
        switch key {
        case "cap_add": o.capAdd = try stringList(value, path)
        case "cap_drop": o.capDrop = try stringList(value, path)
        case "privileged": o.privileged = try boolean(value, path)
        case "init": o.initProcess = try boolean(value, path)
        case "security_opt":
            for item in try stringList(value, path) { try wrap { try RunOptionRules.applySecurityOption(item, to: &o) } }
        // Checked with the rest of the service's options (`RunOptionRules.check`).
        case "domainname": o.domainname = try string(value, path)
        case "oom_score_adj":
            // The range is RunOptionRules' (checked with the rest of the service's options).
            o.oomScoreAdj = try integer(value, path, minimum: Int.min)
        case "stop_signal":
            let text = try string(value, path)
            _ = try wrap { try SignalName.parse(text) }
            o.stopSignal = text
        case "extra_hosts":
            if case .mapping = value {
                o.extraHosts = try mapping(value, path).map { name, ip in
                    RunOptions.ExtraHost(name: name, address: try string(ip, "\(path).\(name)"))
                }
            } else {
                o.extraHosts = try stringList(value, path).map { item in try wrap { try RunOptionRules.parseExtraHost(item) } }
            }
        case "sysctls":
            o.sysctls = [:]
            if case .mapping = value {
                for (k, v) in try mapping(value, path) { o.sysctls[k] = try string(v, "\(path).\(k)") }
            } else {
                for item in try stringList(value, path) {
                    let (k, v) = try wrap { try RunOptionRules.parseSysctl(item) }
                    o.sysctls[k] = v
                }
            }
        case "ulimits":
            o.ulimits = try mapping(value, path).map { name, limit in
                let lpath = "\(path).\(name)"
                if case .mapping = limit {
                    var soft: Int?, hard: Int?
                    for (k, v) in try mapping(limit, lpath) {
                        switch k {
                        case "soft": soft = try integer(v, "\(lpath).soft", minimum: -1)
                        case "hard": hard = try integer(v, "\(lpath).hard", minimum: -1)
                        default: throw fail("\(lpath).\(k)", "expected soft or hard")
                        }
                    }
                    guard let soft, let hard else { throw fail(lpath, "expected both soft and hard") }
                    return try wrap { try RunOptionRules.parseUlimit("\(name)=\(soft):\(hard)") }
                }
                let n = try integer(limit, lpath, minimum: -1)
                return try wrap { try RunOptionRules.parseUlimit("\(name)=\(n)") }
            }
        case "dns": o.dns = try stringOrList(value, path)
        case "dns_search": o.dnsSearch = try stringOrList(value, path)
        case "dns_opt": o.dnsOptions = try stringList(value, path)
        case "devices":
            o.devices = try stringList(value, path).map { item in try wrap { try RunOptionRules.parseDevice(item) } }
        case "device_cgroup_rules":
            o.deviceCgroupRules = try stringList(value, path)
            for item in o.deviceCgroupRules { _ = try wrap { try DeviceRule.parse(item) } }
        case "group_add": o.groupAdd = try stringList(value, path)
        case "healthcheck": o.healthcheck = try healthcheck(value, path)
        case "env_file":
            guard let readFile else { throw fail(path, "env_file is not supported here") }
            for file in try stringOrList(value, path) {
                let text = try wrap { () throws -> String in
                    do { return try readFile(file) } catch let e as BerthError { throw e } catch {
                        throw BerthError.invalidArgument("cannot read \(file.quoted): \(error)")
                    }
                }
                for entry in try wrap({ try EnvFile.lines(text, what: file) }) {
                    if let resolved = try wrap({ try EnvFile.resolve(entry, lookup: { environment[$0] }) }) { envFileEntries.append(resolved) }
                }
            }
        default: return false
        }
        return true
    }

    mutating func stringOrList(_ node: Node, _ path: String) throws -> [String] {
        if case .sequence = node { return try stringList(node, path) }
        return [try string(node, path)]
    }

    /// YAML 1.1 booleans as compose takes them.
    mutating func boolean(_ node: Node, _ path: String) throws -> Bool {
        switch try string(node, path).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail(path, "expected true or false")
        }
    }
}
