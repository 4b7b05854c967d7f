import BerthRuntime

/// One thing that happened to a container, as its timeline keeps it. Repeats of the same thing
/// in a row (a crash loop's "exit 1, restarted") are one entry with a count, so a loop does not
/// push everything else out.
public struct TimelineEntry: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case created
        /// The first start, or a start by `berth start` after a stop.
        case started
        /// The init exited; `restarted` once the restart policy started it again; `oom` when the
        /// kernel killed a process of the run for memory (the supervisor's `oom` event).
        case exited(code: Int?, signal: Int?, oom: Bool, restarted: Bool)
        /// The cgroup's OOM-kill counter rose while the init lived on: a child was killed.
        case childOOM(kills: UInt64)
        case stopped
        /// `berth restart` (after its stop and start).
        case restartedByUser
        case paused, unpaused
        /// `berth update`: what it set (`memory=67108864`, `cpus=0.5`), in the event's words.
        case updated(settings: [String])
        case renamed(from: String)
        /// A healthcheck status change (`healthy`, `unhealthy`, `starting`), from the supervisor's
        /// `health_status: …` event.
        case health(String)
    }

    /// Nanoseconds since the Unix epoch of the latest repeat.
    public var time: Int64
    public var kind: Kind
    /// How many times in a row this happened (1 for most entries).
    public var count = 1
    /// When the first of the repeats happened.
    public var firstTime: Int64

    init(time: Int64, kind: Kind) { self.time = time; self.kind = kind; firstTime = time }

    /// A problem worth the error colour: a failed exit, an OOM kill.
    public var isProblem: Bool {
        switch kind {
        case .exited(let code, let signal, let oom, _): return oom || signal != nil || (code ?? 0) != 0
        case .childOOM: return true
        case .health(let status): return status == "unhealthy"
        default: return false
        }
    }
}

/// One container's history, oldest first, bounded.
public struct ContainerTimeline: Sendable {
    /// Entries kept per container (a repeat adds to a count, not an entry).
    public static let capacity = 40

    public fileprivate(set) var entries: [TimelineEntry] = []
    /// Times of restarts by the restart policy within the last `Timelines.loopWindow` of the newest.
    public fileprivate(set) var policyRestarts: [Int64] = []
    /// What the last lifecycle event was: a `start` after a `die` without a `stop` is the policy's.
    fileprivate var lastDied = false
    /// The supervisor's `oom` came before the `die` it belongs to.
    fileprivate var pendingOOM = false
    /// The cgroup's OOM-kill counter when last sampled; nil before the first sample of a run.
    fileprivate var oomCount: UInt64?
    /// An `oom` event arrived since the last sample: the counter's rise is the init's, already told.
    fileprivate var oomToldSinceSample = false

    fileprivate mutating func add(_ kind: TimelineEntry.Kind, at time: Int64) {
        if var last = entries.last, last.kind == kind {
            last.count += 1
            last.time = time
            entries[entries.count - 1] = last
            return
        }
        entries.append(TimelineEntry(time: time, kind: kind))
        // Trim in batches so a long replay does not shift the array on every event.
        if entries.count > Self.capacity * 2 { entries.removeFirst(entries.count - Self.capacity) }
    }

    /// The newest `capacity` entries, newest first: what the detail pane lists.
    public var newestFirst: [TimelineEntry] { Array(entries.suffix(Self.capacity).reversed()) }
}

/// Every container's timeline, built from the event journal (docs/events.md) and the sampler's
/// OOM counter. A pure reducer: `apply` takes the journal's events in file order, `observe` a
/// sample's counter; no I/O, no clock of its own.
public struct Timelines: Sendable {
    /// Restarts by the restart policy this close together make a crash loop…
    public static let loopWindow: Int64 = 60_000_000_000
    /// …when there are at least this many of them.
    public static let loopThreshold = 3

    public private(set) var byID: [String: ContainerTimeline] = [:]

    public init() {}

    public subscript(id: String) -> ContainerTimeline? { byID[id] }

    /// Applies one journal event. A removed container's timeline goes with it.
    public mutating func apply(_ e: Event) {
        guard e.type == "container" else { return }
        if e.action == "destroy" { byID[e.id] = nil; return }
        var t = byID[e.id] ?? ContainerTimeline()
        switch e.action {
        case "create": t.add(.created, at: e.time)
        case "start":
            if t.lastDied, let last = t.entries.last, case .exited(let code, let signal, let oom, false) = last.kind {
                // Started again with no stop in between: the restart policy. The exit it follows
                // becomes "…, restarted", and merges with an identical one before it.
                t.entries.removeLast()
                t.add(.exited(code: code, signal: signal, oom: oom, restarted: true), at: last.time)
                t.policyRestarts.append(e.time)
                t.policyRestarts.removeAll { $0 < e.time - Self.loopWindow }
            } else {
                t.add(.started, at: e.time)
            }
            t.lastDied = false
        case "oom":
            t.pendingOOM = true
            t.oomToldSinceSample = true
        case "die":
            t.add(.exited(code: e.attributes["exitCode"].flatMap { Int($0) }, signal: e.attributes["signal"].flatMap { Int($0) },
                          oom: t.pendingOOM, restarted: false), at: e.time)
            t.pendingOOM = false
            t.lastDied = true
        case "stop":
            t.add(.stopped, at: e.time)
            t.lastDied = false
        case "restart": t.add(.restartedByUser, at: e.time)
        case "pause": t.add(.paused, at: e.time)
        case "unpause": t.add(.unpaused, at: e.time)
        case "update":
            let own: Set<String> = ["image", "name"]
            // The engine's own attributes; a container's labels are the rest of the map, so only
            // the names `berth update` writes count (Engine+Update.swift, docs/events.md).
            let settings = e.attributes.filter { Self.updateKeys.contains($0.key) && !own.contains($0.key) }
                .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            t.add(.updated(settings: settings), at: e.time)
        case "rename": t.add(.renamed(from: e.attributes["oldName"] ?? "?"), at: e.time)
        case let action where action.hasPrefix("health_status: "):
            t.add(.health(String(action.dropFirst("health_status: ".count))), at: e.time)
        default: return // kill: its die tells the outcome
        }
        byID[e.id] = t
    }

    /// The attributes an `update` event carries for what it changed.
    static let updateKeys = ContainerUpdate.eventAttributeNames

    /// A sample of a running container's cgroup OOM-kill counter. A rise that no `oom` event
    /// explains is a process other than the init killed for memory (the init lives on); the first
    /// sample of a run that already shows kills reports them too.
    /// A counter that went down belongs to a new cgroup: it is the new baseline.
    public mutating func observe(oomKills: UInt64, of id: String, at time: Int64) {
        let known = byID[id]
        // Nothing new (the common case, every container every tick): no write.
        if let known, known.oomCount == oomKills, !known.oomToldSinceSample { return }
        if known == nil && oomKills == 0 { return }
        var t = known ?? ContainerTimeline()
        let before = t.oomCount ?? 0
        if oomKills > before && !t.oomToldSinceSample { t.add(.childOOM(kills: oomKills - before), at: time) }
        t.oomCount = oomKills
        t.oomToldSinceSample = false
        byID[id] = t
    }

    /// Restarts by the restart policy in the `loopWindow` before `now` when there are at least
    /// `loopThreshold` of them (a crash loop), else nil.
    public func crashLoop(_ id: String, now: Int64) -> Int? {
        guard let t = byID[id] else { return nil }
        let n = t.policyRestarts.filter { $0 >= now - Self.loopWindow && $0 <= now + Self.loopWindow }.count
        return n >= Self.loopThreshold ? n : nil
    }

    /// Forgets containers that are no longer listed (removed while no event said so, e.g. by a
    /// root cleaned by hand): the timelines of `keep` stay.
    public mutating func retain(_ keep: Set<String>) {
        for id in byID.keys where !keep.contains(id) { byID[id] = nil }
    }
}
