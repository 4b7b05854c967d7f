import BerthOS
import BerthRuntime
import Foundation

/// The background thread that reads the engine once per tick and follows the selected container's
/// log, posting what it finds to the mailbox. The UI thread never calls the engine for data.
final class Sampler: @unchecked Sendable {
    // Unchecked, because a `Mutex` has no condition to wait on: the request fields (`stopped`,
    // `sampleRequested`, `followRequest`, `watchRequest`, `processesRequest`, `logsRequests`) are read and written only inside
    // `condition.withLock`; `thread` is written once by `start` before the thread exists and never
    // read; `follower`, `watched` and `processesOf` are used only on the sampler thread; the rest is immutable
    // and Sendable.
    private let engine: any ContainerEngine
    private let mailbox: Mailbox
    private let interval: Double
    private let condition = NSCondition()
    private var stopped = false
    private var sampleRequested = true
    private var followRequest: String??
    private var watchRequest: ResourceKind??
    private var processesRequest: String??
    /// The logs pane's reads of its file, in the order asked.
    private var logsRequests: [(id: String, request: LogsRequest)] = []
    /// The container whose processes view is shown, read at every sample.
    private var processesOf: String?
    /// The kind of resource whose view is shown, read every `resourceInterval`.
    private var watched: ResourceKind?
    private var thread: Thread?
    private let follower: LogsFeed
    /// The engine's events, read on the sampler thread: the journal replayed once, then only
    /// what was appended (one read and two stats per tick, whatever the number of containers);
    /// over several hosts, what their streams carried.
    private let events: (any EventFeed)?
    /// How often the log file is checked for growth between samples (an fstat, nearly free).
    static let logPollInterval = 0.25
    /// Images, volumes and networks change by hand, not by the second: their view is read at
    /// this slower cadence (or the sample interval when that is slower), after each action, and
    /// never while another view is shown.
    static let minimumResourceInterval = 5.0
    private var resourceInterval: Double { max(Sampler.minimumResourceInterval, interval) }

    init(engine: any ContainerEngine, mailbox: Mailbox, interval: Double) {
        self.engine = engine
        self.mailbox = mailbox
        self.interval = max(0.1, interval)
        follower = LogsFeed(engine: engine)
        events = engine.eventFeed()
    }

    func start() {
        let t = Thread { [self] in loop() }
        t.name = "berth-sampler"
        t.stackSize = 1 << 20
        thread = t
        t.start()
    }

    func stop() {
        condition.withLock { stopped = true; condition.signal() }
    }

    func sampleNow() {
        condition.withLock { sampleRequested = true; condition.signal() }
    }

    func follow(_ id: String?) {
        condition.withLock { followRequest = .some(id); condition.signal() }
    }

    func watch(_ kind: ResourceKind?) {
        condition.withLock { watchRequest = .some(kind); condition.signal() }
    }

    func watchProcesses(_ id: String?) {
        condition.withLock { processesRequest = .some(id); condition.signal() }
    }

    func readLogs(_ id: String, _ request: LogsRequest) {
        condition.withLock { logsRequests.append((id, request)); condition.signal() }
    }

    private func loop() {
        var nextSample = Date()
        var nextResources = Date.distantFuture
        if let events { mailbox.post(.journal(events.open(replay: true))) }
        while true {
            // A search through the file goes on in steps between the rest: no waiting meanwhile.
            let searching = follower.search != nil
            let request: (follow: String??, due: Bool, asked: Bool, watch: ResourceKind??, processes: String??,
                          logs: [(id: String, request: LogsRequest)])? = condition.withLock {
                while !stopped && !searching && !sampleRequested && followRequest == nil && watchRequest == nil
                        && processesRequest == nil && logsRequests.isEmpty {
                    let wake = min(nextSample, Date().addingTimeInterval(Sampler.logPollInterval))
                    if !condition.wait(until: wake) { break }
                }
                if stopped { return nil }
                defer { followRequest = nil; sampleRequested = false; watchRequest = nil; processesRequest = nil; logsRequests = [] }
                return (followRequest, sampleRequested || Date() >= nextSample, sampleRequested, watchRequest, processesRequest, logsRequests)
            }
            guard let (follow, due, asked, watch, processes, logs) = request else { return }

            if let processes { processesOf = processes }
            if let id = processesOf, due || processes != nil { postProcesses(of: id) }

            if let watch {
                watched = watch
                nextResources = Date()
            }
            if let kind = watched, asked || Date() >= nextResources {
                mailbox.post(.resources(ResourceSnapshot.take(kind, from: engine)))
                nextResources = Date().addingTimeInterval(resourceInterval)
            }

            if let follow {
                let lines = follower.follow(follow)
                if let id = follow { mailbox.post(.logLines(id: id, lines: lines, reset: true, extent: follower.extent)) }
            }
            for (id, r) in logs where id == follower.id {
                for e in follower.handle(r) { mailbox.post(e) }
            }
            for e in follower.stepSearch() { mailbox.post(e) }
            if due {
                // Before the snapshot: a timeline whose container the snapshot no longer lists was removed.
                if let events {
                    let new = events.poll()
                    if !new.isEmpty { mailbox.post(.journal(new)) }
                }
                mailbox.post(.snapshot(EngineSnapshot.take(from: engine)))
                nextSample = Date().addingTimeInterval(interval)
            }
            if let id = follower.id {
                let (lines, reset, extent) = follower.poll()
                if !lines.isEmpty || reset {
                    mailbox.post(.logLines(id: id, lines: lines, reset: reset, extent: extent))
                }
            }
        }
    }

    private func postProcesses(of id: String) {
        let at = Double(MonotonicClock.nanos()) / 1e9
        do {
            mailbox.post(.processes(id: id, samples: try engine.processSamples(id), at: at, error: nil))
        } catch {
            mailbox.post(.processes(id: id, samples: [], at: at, error: "\(error)"))
        }
    }
}
