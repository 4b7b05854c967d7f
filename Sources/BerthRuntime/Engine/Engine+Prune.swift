import BerthOS
import Foundation

/// docker's prune filters: `until=TIME` (created before), `label=KEY[=VALUE]`, `label!=KEY[=VALUE]`.
public struct PruneFilter: Sendable {
    var until: Int64?
    var labels: [(key: String, value: String?, negate: Bool)] = []

    public init(_ filters: [String], now: Date = Date()) throws(BerthError) {
        for f in filters {
            guard let eq = f.firstIndex(of: "=") else { throw .invalidArgument("bad format of filter \(f.quoted): expected KEY=VALUE") }
            let key = String(f[..<eq])
            let value = String(f[f.index(after: eq)...])
            switch key {
            case "until": until = try DurationParser.parseTimestamp(value, now: now).unixNanoseconds ?? Int64.max
            case "label", "label!":
                if let e = value.firstIndex(of: "=") {
                    labels.append((String(value[..<e]), String(value[value.index(after: e)...]), key == "label!"))
                } else {
                    labels.append((value, nil, key == "label!"))
                }
            default: throw .invalidArgument("invalid filter \(key.quoted): prune filters by until, label and label!")
            }
        }
    }

    func matches(_ c: ContainerInfo) -> Bool {
        if let until, Int64(c.created.timeIntervalSince1970 * 1e9) > until { return false }
        return labels.allSatisfy { l in
            let has = l.value.map { c.labels[l.key] == $0 } ?? (c.labels[l.key] != nil)
            return has != l.negate
        }
    }
}

extension Engine {
    /// `container prune`: removes every container that is not running (created, exited, dead)
    /// and matches `filter`. Returns the ids removed; a failure is thrown after the others are done.
    public func pruneContainers(_ filter: PruneFilter) throws -> [String] {
        var removed: [String] = []
        var firstError: Error?
        for c in try list(all: true) where !c.state.isRunning && c.state.status != .broken && filter.matches(c) {
            do {
                try remove(c.id, force: false)
                removed.append(c.id)
            } catch {
                // Started again meanwhile, or removed by someone else: not this prune's business.
                if case BerthError.noSuchContainer = error { continue }
                if case BerthError.invalidState = error { continue }
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        return removed
    }
}
