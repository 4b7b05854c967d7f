import BerthOCI
import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `berth update` changes; nil leaves a setting as it is.
public struct ContainerUpdate: Sendable, Equatable {
    public var memory: Int64?
    public var memorySwap: Int64?
    public var cpus: Double?
    public var cpuShares: Int?
    public var cpusetCpus: String?
    /// 0 or -1: unlimited.
    public var pidsLimit: Int?
    public var memoryReservation: Int64?
    /// Microseconds; `cpus` and these replace each other (`Engine.update`).
    public var cpuPeriod: Int64?
    /// Microseconds; -1: no quota.
    public var cpuQuota: Int64?
    public var cpusetMems: String?
    public var blkioWeight: Int?
    public var restartPolicy: RestartPolicy?

    public init() {}
    public var isEmpty: Bool { self == ContainerUpdate() }

    /// The `berth update` flags that make this change (sizes in bytes), for an engine that
    /// updates through another host's CLI (`FleetEngine`); `berth update` parses them back to
    /// the same value.
    public var flags: [String] {
        var f: [String] = []
        if let memory { f += ["--memory", String(memory)] }
        if let memorySwap { f += ["--memory-swap", String(memorySwap)] }
        if let cpus { f += ["--cpus", String(cpus)] }
        if let cpuShares { f += ["--cpu-shares", String(cpuShares)] }
        if let cpusetCpus { f += ["--cpuset-cpus", cpusetCpus] }
        if let pidsLimit { f += ["--pids-limit", String(pidsLimit)] }
        if let memoryReservation { f += ["--memory-reservation", String(memoryReservation)] }
        if let cpuPeriod { f += ["--cpu-period", String(cpuPeriod)] }
        if let cpuQuota { f += ["--cpu-quota", String(cpuQuota)] }
        if let cpusetMems { f += ["--cpuset-mems", cpusetMems] }
        if let blkioWeight { f += ["--blkio-weight", String(blkioWeight)] }
        if let restartPolicy { f += ["--restart", restartPolicy.description] }
        return f
    }
}

extension Engine {
    /// `update`: new limits checked by `LimitRules` (the one validator) against the container's
    /// current ones, written to the running container's cgroups first (live), then to its
    /// config.json (the one stored copy, which the next start applies again); a restart policy
    /// goes to container.json and to `restart-policy`, which the supervisor reads at each exit.
    /// A limit the cgroups refuse (memory below what is in use) leaves both as they were.
    public func update(_ ref: String, _ change: ContainerUpdate) throws {
        guard !change.isEmpty else { throw BerthError.invalidArgument("update needs at least one setting to change") }
        let r = try resolve(ref)
        let p = store.paths(r.id)
        try FileLock.with(p.lock) {
            guard var spec = try store.storedSpec(r.id) else { throw BerthError.noSuchContainer(ref) }
            let old = ResourceLimits(spec.linux?.resources)
            var limits = old
            if let m = change.memory { limits.memory = m }
            if let s = change.memorySwap { limits.memorySwap = s }
            try Self.mergeCPU(change, into: &limits)
            if let s = change.cpuShares { limits.cpuShares = s }
            if let c = change.cpusetCpus { limits.cpusetCpus = c }
            if let m = change.cpusetMems { limits.cpusetMems = m }
            if let n = change.pidsLimit { limits.pidsLimit = n > 0 ? n : nil }
            if let r = change.memoryReservation { limits.memoryReservation = r }
            if let w = change.blkioWeight { limits.blkioWeight = w }
            do { try LimitRules.check(limits) } catch let violation as LimitRules.Violation { throw violation.berthError }

            if limits != old {
                if store.state(r.id).isRunning {
                    if limits.pidsLimit == nil && old.pidsLimit != nil {
                        // The cgroup writer sets limits, it never lifts one (pids.max stays as it is).
                        throw BerthError.unsupported("the pids limit of a running container can be raised, not removed; stop it first")
                    }
                    if (change.cpusetCpus != nil || change.cpusetMems != nil) && old.cpusetCpus == nil && old.cpusetMems == nil {
                        // Its processes joined no cpuset cgroup at start (v1): one made now would hold none of them.
                        let flag = change.cpusetCpus != nil ? "--cpuset-cpus" : "--cpuset-mems"
                        throw BerthError.unsupported("\(flag) can be changed live only on a container started with --cpuset-cpus or --cpuset-mems; stop it first")
                    }
                    let manager = try cgroups.manager(parent: r.cgroupParent)
                    let existing = Set(cgroups.directories(id: r.id, parent: r.cgroupParent, plan: p.plan))
                    guard Set(manager.paths(id: r.id).directories).isSubset(of: existing) else {
                        throw BerthError.invalidState("container \(r.name) was started from another cgroup than this command runs in; update it from there or restart it")
                    }
                    reportDropped(try manager.create(id: r.id, resources: OCI.Resources(limits)).dropped)
                }
                var linux = spec.linux ?? OCI.Linux()
                var resources = OCI.Resources(limits)
                resources.devices = linux.resources?.devices // not a limit: kept as created
                linux.resources = resources
                spec.linux = linux
                do {
                    let enc = JSONEncoder()
                    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                    try FileIO.writeAtomically(p.spec, bytes: Array(try enc.encode(spec)))
                } catch {
                    if store.state(r.id).isRunning, let manager = try? cgroups.manager(parent: r.cgroupParent) {
                        _ = try? manager.create(id: r.id, resources: OCI.Resources(old))
                    }
                    throw error
                }
            }
            if let policy = change.restartPolicy, policy != r.restartPolicy {
                if r.autoRemove && policy != .no {
                    throw BerthError.invalidArgument("a restart policy cannot be set on a --rm container")
                }
                var updated = r
                updated.restartPolicy = policy
                try FileIO.writeAtomically(p.record, bytes: Array(try JSONEncoder.berth.encode(updated)))
                try FileIO.writeAtomically(p.restartPolicy, string: policy.description + "\n")
            }
            recordEvent("update", r, change.eventAttributes)
        }
    }
}

extension Engine {
    /// A limit the host's kernel has no file for is dropped with a notice, as docker drops it with a warning.
    func reportDropped(_ dropped: [DroppedLimit]) {
        for d in dropped { options.notice(d.description) }
    }

    /// `--cpus` and `--cpu-quota`/`--cpu-period` are two ways to say one thing, so a change in one
    /// form replaces the other: `--cpus` drops the old quota and period; a quota or period over a
    /// `--cpus` limit starts from that limit's quota and period (so `--cpu-period` alone keeps
    /// the quota, as the kernel's files would). Both forms in one change are LimitRules' conflict.
    static func mergeCPU(_ change: ContainerUpdate, into limits: inout ResourceLimits) throws(BerthError) {
        if change.cpuPeriod != nil || change.cpuQuota != nil, let old = limits.cpus, change.cpus == nil {
            let q = try CPUs.quota(for: old)
            limits.cpus = nil
            limits.cpuQuota = q.quota
            limits.cpuPeriod = Int64(q.period)
        }
        if let c = change.cpus {
            limits.cpus = c
            limits.cpuQuota = nil
            limits.cpuPeriod = nil
        }
        if let p = change.cpuPeriod { limits.cpuPeriod = p }
        if let q = change.cpuQuota { limits.cpuQuota = q }
    }
}

extension ContainerUpdate {
    /// The names `eventAttributes` can write, for readers that pick them out of an event's
    /// attributes (the dashboard's timeline), where a container's labels are the rest.
    public static let eventAttributeNames: Set<String> = [
        "memory", "memorySwap", "memoryReservation", "cpus", "cpuPeriod", "cpuQuota", "cpuShares",
        "cpusetCpus", "cpusetMems", "pidsLimit", "blkioWeight", "restartPolicy",
    ]

    /// What the `update` event records of the change, one attribute per setting given (bytes,
    /// CPUs, counts as plain numbers; docs/events.md), so a reader's history can say what changed.
    var eventAttributes: [String: String] {
        var a: [String: String] = [:]
        if let v = memory { a["memory"] = "\(v)" }
        if let v = memorySwap { a["memorySwap"] = "\(v)" }
        if let v = cpus { a["cpus"] = String(format: "%g", v) }
        if let v = cpuShares { a["cpuShares"] = "\(v)" }
        if let v = cpusetCpus { a["cpusetCpus"] = v }
        if let v = pidsLimit { a["pidsLimit"] = "\(v)" }
        if let v = memoryReservation { a["memoryReservation"] = "\(v)" }
        if let v = cpuPeriod { a["cpuPeriod"] = "\(v)" }
        if let v = cpuQuota { a["cpuQuota"] = "\(v)" }
        if let v = cpusetMems { a["cpusetMems"] = v }
        if let v = blkioWeight { a["blkioWeight"] = "\(v)" }
        if let v = restartPolicy { a["restartPolicy"] = v.description }
        return a
    }
}
