import BerthOS
import BerthRuntime

/// `u` and `:update NAME key=value…`: a container's limits as words on the command line, parsed
/// by the same types as `berth update`'s flags (the engine checks them with `LimitRules`).
enum LimitsCommand {
    /// The command line `u` opens: today's memory, CPUs and pids limits of `e`, an empty value
    /// for a limit it does not have (left as it is unless the user types one).
    static func prefill(_ e: ContainerEntry) -> String {
        let l = e.info.limits
        let memory = l.memory.map(Self.memoryWord) ?? ""
        let cpus = l.cpus.map { $0 == $0.rounded() ? String(Int($0)) : String($0) } ?? ""
        let pids = l.pidsLimit.map(String.init) ?? ""
        return "update \(e.name) memory=\(memory) cpus=\(cpus) pids=\(pids)"
    }

    /// "64m" for 64 MiB: the largest binary unit that divides the value, as it would be typed.
    static func memoryWord(_ bytes: Int64) -> String {
        for (unit, shift) in [("g", 30), ("m", 20), ("k", 10)] where bytes > 0 && bytes % (Int64(1) << shift) == 0 {
            return "\(bytes >> shift)\(unit)"
        }
        return String(bytes)
    }

    /// `memory=64m cpus=0.5 pids=100 swap=128m shares=512 cpuset=0-1`; an empty value leaves that
    /// limit as it is. Fails naming the first word it cannot take.
    static func parse(_ words: [String]) -> Result<ContainerUpdate, CommandError> {
        var change = ContainerUpdate()
        for word in words {
            guard let eq = word.firstIndex(of: "=") else {
                return .failure(CommandError("\(Quoted.escapeControls(word).quoted) is not KEY=VALUE (memory, cpus, pids, swap, shares, cpuset)"))
            }
            let key = word[..<eq].lowercased(), value = String(word[word.index(after: eq)...])
            if value.isEmpty { continue }
            do {
                switch key {
                case "memory", "mem", "m": change.memory = try ByteSize.parse(value)
                case "swap", "memory-swap": change.memorySwap = try ByteSize.parse(value, allowUnlimited: true)
                case "cpus": change.cpus = try CPUs.number(value)
                case "pids", "pids-limit":
                    guard let n = Int(value) else { throw BerthError.invalidArgument("invalid pids value \(value.quoted): expected a whole number") }
                    change.pidsLimit = n
                case "shares", "cpu-shares":
                    guard let n = Int(value) else { throw BerthError.invalidArgument("invalid CPU shares \(value.quoted): expected a whole number") }
                    change.cpuShares = n
                case "cpuset", "cpuset-cpus": change.cpusetCpus = value
                default:
                    return .failure(CommandError("unknown limit \(Quoted.escapeControls(String(key)).quoted) (memory, cpus, pids, swap, shares, cpuset)"))
                }
            } catch {
                return .failure(CommandError(Quoted.escapeControls("\(error)")))
            }
        }
        guard !change.isEmpty else { return .failure(CommandError("nothing to change: give a value, e.g. memory=128m")) }
        return .success(change)
    }
}

extension DashboardModel {
    /// `u`: the command line, filled with `:update NAME` and the selection's limits to edit.
    mutating func editLimits() -> [Effect] {
        guard let e = selectedContainer(to: "change its limits") else { return [] }
        mode = .command(LimitsCommand.prefill(e))
        historyCursor = nil
        return []
    }
}
