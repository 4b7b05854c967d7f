import BerthOS
import BerthRuntime
import Foundation

/// An in-memory `ContainerEngine` that records every call, for reducer and follower tests.
final class FakeEngine: ContainerEngine, @unchecked Sendable {
    // Unchecked: every field is guarded by `lock`.
    private let lock = NSLock()
    private var _containers: [ContainerInfo]
    private var _stats: [ContainerStats] = []
    private var _calls: [String] = []
    private var _logs: [String: [LogLine]] = [:]
    private var _logPaths: [String: String] = [:]
    var failNext: BerthError?
    /// When set, `list` throws it (an engine whose state root cannot be read).
    var failList: BerthError?

    init(containers: [ContainerInfo] = []) { _containers = containers }

    var calls: [String] { lock.withLock { _calls } }
    var containers: [ContainerInfo] {
        get { lock.withLock { _containers } }
        set { lock.withLock { _containers = newValue } }
    }
    func setStats(_ s: [ContainerStats]) { lock.withLock { _stats = s } }
    func setLogs(_ id: String, _ lines: [LogLine]) { lock.withLock { _logs[id] = lines } }
    func setLogPath(_ id: String, _ path: String) { lock.withLock { _logPaths[id] = path } }

    private func record(_ call: String) throws {
        try lock.withLock {
            _calls.append(call)
            if let e = failNext { failNext = nil; throw e }
        }
    }

    private func find(_ ref: String) throws -> ContainerInfo {
        try lock.withLock {
            guard let c = _containers.first(where: { $0.id == ref || $0.name == ref }) else { throw BerthError.noSuchContainer(ref) }
            return c
        }
    }

    private func setStatus(_ ref: String, _ s: ContainerStatus) {
        lock.withLock {
            if let i = _containers.firstIndex(where: { $0.id == ref || $0.name == ref }) { _containers[i].state.status = s }
        }
    }

    func list(all: Bool) throws -> [ContainerInfo] {
        if let e = lock.withLock({ failList }) { throw e }
        return lock.withLock { all ? _containers : _containers.filter { $0.state.isRunning } }
    }
    func inspect(_ ref: String) throws -> ContainerInfo { try find(ref) }
    func sampleStats() -> [ContainerStats] { lock.withLock { _stats } }
    func hostInfo() -> HostInfo { Fixtures.host }

    func start(_ ref: String) throws { try record("start \(ref)"); setStatus(ref, .running) }
    func stop(_ ref: String, timeout: Int) throws { try record("stop \(ref) \(timeout)"); setStatus(ref, .exited) }
    func restart(_ ref: String, timeout: Int) throws { try record("restart \(ref) \(timeout)") }
    func kill(_ ref: String, signal: Int32) throws { try record("kill \(ref) \(signal)"); setStatus(ref, .exited) }
    func remove(_ ref: String, force: Bool) throws {
        try record("remove \(ref) force=\(force)")
        lock.withLock { _containers.removeAll { $0.id == ref || $0.name == ref } }
    }

    func pause(_ ref: String) throws { try record("pause \(ref)"); setPaused(ref, true) }
    func unpause(_ ref: String) throws { try record("unpause \(ref)"); setPaused(ref, false) }

    private func setPaused(_ ref: String, _ paused: Bool) {
        lock.withLock {
            if let i = _containers.firstIndex(where: { $0.id == ref || $0.name == ref }) { _containers[i].state.paused = paused }
        }
    }

    func tailLogs(_ ref: String, limit: Int) throws -> [LogLine] {
        _ = try find(ref)
        return lock.withLock { Array((_logs[ref] ?? []).suffix(limit)) }
    }

    /// The directory of an event journal the sampler reads (nil: no journal, as by default).
    var journalDirectory: String?
    func journal() -> EventJournal? { lock.withLock { journalDirectory.map { EventJournal(directory: $0) } } }

    func logPath(_ ref: String) throws -> String {
        try lock.withLock {
            guard let p = _logPaths[ref] else { throw BerthError.unsupported("no log file") }
            return p
        }
    }
}
