import BerthOS
import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    /// Starts a created or exited container: cgroups, launch plan, supervisor. Returns the init's host PID.
    @discardableResult
    public func startContainer(_ ref: String) throws -> Int32 {
        let r = try resolve(ref)
        let p = store.paths(r.id)
        let pid = try FileLock.with(p.lock) {
            let current = store.state(r.id)
            if current.isRunning { throw BerthError.invalidState("container \(r.name) is already running") }
            // config.json is what the container runs with: its process for the plan, its
            // linux.resources for the cgroups (checked by LimitRules again, as it may have been edited).
            guard let stored = try store.storedSpec(r.id) else { throw BerthError.noSuchContainer(ref) }
            let spec = try Self.withEffectiveSeccomp(stored)
            unlink(p.stopMarker)
            unlink(p.removingMarker)
            // The plan carries the record's policy; an `update --restart` is in the record already.
            unlink(p.restartPolicy)
            thawIfPaused(r)
            let devices = try DeviceRules.effective(spec.linux?.resources?.devices, nodes: spec.linux?.devices ?? [])
            let manager = try cgroups.manager(parent: r.cgroupParent)
            let cg = try manager.create(id: r.id, resources: spec.linux?.resources)
            reportDropped(cg.dropped)
            do {
                try manager.restrictDevices(id: r.id, rules: devices)
                let onExit = r.autoRemove ? [cliPath, "--root", root, "rm", "--force", "--autoremove", r.id]
                    : r.attachments.isEmpty ? [] : Self.refreshHostsCommand(cliPath: cliPath, root: root)
                var plan = try PlanBuilder.plan(spec: spec, id: r.id, paths: p, cgroups: cg,
                                                restart: r.restartPolicy, onExit: onExit, seccompCache: seccompCache)
                plan.tty = spec.process?.terminal == true
                plan.interactive = r.interactive == true
                plan.events = planEvents(r)
                if r.network == .container { plan.joinNetwork = try planNetworkJoin(r) }
                if r.network == .bridge {
                    let outbound = try outboundEnabled()
                    let planned = try r.attachments.map { try planNetwork($0, of: r, outbound: outbound) }
                    plan.network = planned.first
                    plan.extraNetworks = Array(planned.dropFirst())
                    plan.ports = r.ports ?? []
                    plan.dns = try planDNS(r, annotations: spec.annotations)
                }
                return try shim.launch(plan, planPath: p.plan)
            } catch {
                try? manager.remove(id: r.id)
                throw error
            }
        }
        // Its names resolve for the other members now that it runs.
        if !r.attachments.isEmpty { refreshNetworkNames() }
        return pid
    }

    public func start(_ ref: String) throws { try startContainer(ref) }

    /// Records the calling process as the one that will remove this `--rm` container when it
    /// ends, sparing the supervisor from starting a second `berth rm` process.
    public func attachForRemoval(_ ref: String) throws {
        let r = try resolve(ref)
        let me = getpid()
        guard let start = ProcStat.startTime(pid: me) else { return }
        try FileIO.writeAtomically(store.paths(r.id).attached, string: "\(me) \(start)\n")
    }

    /// docker's default grace period when neither `-t` nor `--stop-timeout` gives one.
    public static let defaultStopTimeout = 10

    /// The container's `--stop-signal` (SIGTERM by default), then SIGKILL after `timeout`, else
    /// its `--stop-timeout`, else ten seconds.
    public func stop(_ ref: String, timeout: Int? = nil) throws {
        let r = try resolve(ref)
        let s = stopSettings(r.id)
        try stopContainer(r, signal: s.signal, timeout: timeout ?? s.timeout ?? Self.defaultStopTimeout)
    }

    public func stop(_ ref: String, timeout: Int) throws { try stop(ref, timeout: Optional(timeout)) }
    public func restart(_ ref: String, timeout: Int) throws { try restart(ref, timeout: Optional(timeout)) }

    public func restart(_ ref: String, timeout: Int? = nil) throws {
        let r = try resolve(ref)
        let s = stopSettings(r.id)
        try stopContainer(r, signal: s.signal, timeout: timeout ?? s.timeout ?? Self.defaultStopTimeout)
        try startContainer(r.id)
        recordEvent("restart", r)
    }

    public func kill(_ ref: String, signal: Int32) throws {
        let r = try resolve(ref)
        let initPid = try store.requireRunningInit(r)
        // Before the signal: the supervisor records the `die` it may cause right away.
        recordEvent("kill", r, ["signal": String(signal)])
        try shim.signal(init: initPid, signal, paths: store.paths(r.id))
        // Other signals wait for `unpause`, as in docker; SIGKILL ends a paused container now.
        if signal == SIGKILL { thawIfPaused(r) }
    }

    /// SIGTERM (or `signal`), then SIGKILL after `timeout` seconds; returns when the supervisor
    /// has recorded the exit. A container that is not running is left as it is.
    /// The longest grace period a stop waits; the supervisor clamps the same way
    /// (`STOP_GRACE_MAX_SECONDS` in shim.h), so `stop -t` of any size is no overflow anywhere.
    static let stopGraceMaxSeconds = 315_360_000

    /// Records kill (with the signal) before and, with `stopEvent`, `stop` after, as docker's stop does;
    /// removal records only the kill.
    func stopContainer(_ r: ContainerRecord, signal: Int32, timeout requested: Int, stopEvent: Bool = true) throws {
        let timeout = min(max(requested, 0), Self.stopGraceMaxSeconds)
        let p = store.paths(r.id)
        guard let s = store.shimStatus(r.id), ProcStat.isAlive(pid: s.shimPid, startTime: s.shimStart),
              let shimPid = s.shimPid else {
            // No supervisor (killed): whatever still runs in the container's cgroups is ended here.
            thawIfPaused(r)
            try stopStrayProcesses(r, signal: signal, timeout: timeout)
            return
        }
        let running = s.status == "running"
        thawIfPaused(r)
        if running { recordEvent("kill", r, ["signal": String(signal)]) }
        let stopped = shim.stop(supervisor: shimPid, status: s, paths: p, signal: signal, timeout: timeout) {
            store.shimStatus(r.id)
        }
        if !stopped {
            throw BerthError.invalidState("container \(r.name) did not stop within \(timeout + 30) s")
        }
        if running && stopEvent { recordEvent("stop", r) }
    }

    /// Signals the processes left in the cgroups of a container whose supervisor is gone, then
    /// SIGKILL after `timeout` seconds, and waits (bounded) for the cgroups to empty.
    func stopStrayProcesses(_ r: ContainerRecord, signal: Int32, timeout: Int) throws {
        var pids = cgroupPids(id: r.id, parent: r.cgroupParent)
        let phases: [(signal: Int32, seconds: Int)] = signal == SIGKILL ? [(SIGKILL, 10)] : [(signal, max(timeout, 0)), (SIGKILL, 10)]
        for phase in phases where !pids.isEmpty {
            for pid in pids { _ = Glibc.kill(pid, phase.signal) }
            let deadline = MonotonicClock.nanos() + UInt64(phase.seconds) * 1_000_000_000
            repeat {
                pids = cgroupPids(id: r.id, parent: r.cgroupParent)
                if pids.isEmpty { return }
                usleep(10_000)
            } while MonotonicClock.nanos() < deadline
        }
        if !pids.isEmpty { throw BerthError.invalidState("processes of container \(r.name) did not end") }
    }

    /// Removes a container: its cgroups, state, writable layer and logs. A running one needs `force`.
    /// `autoremove`: called by the supervisor of an `--rm` container; keeps its exit record
    /// for a minute so a waiting `berth run` can still read the exit code.
    /// `volumes` (`rm -v`): the anonymous volumes the container's create made go too (`--rm` always does so).
    public func remove(_ ref: String, force: Bool, autoremove: Bool = false, volumes: Bool = false) throws {
        let r: ContainerRecord
        do { r = try resolve(ref) } catch let error as BerthError {
            // An unreadable record must not protect the processes and cgroups of its container.
            guard case .noSuchContainer = error, let id = store.brokenContainer(ref) else { throw error }
            try removeBroken(id, force: force)
            return
        }
        try removeContainer(r, force: force, keepExitRecord: autoremove, volumes: volumes)
    }

    public func remove(_ ref: String, force: Bool) throws {
        try remove(ref, force: force, autoremove: false)
    }

    /// Nothing here needs disk space (a full filesystem is a reason to remove a container): the
    /// marker is best effort, and the files are deleted before the lease file is rewritten.
    /// A crash at any step is finished by the next `reconcile` (see Engine+Reconcile).
    ///
    /// `start` holds the container's lock while it launches, so the removal itself runs under that
    /// lock after checking again that nothing runs: a concurrent start either finishes first (and
    /// `--force` stops the container again) or finds the container gone. The stop stays outside
    /// the lock: it waits for the supervisor to exit, and an `--rm` container's supervisor becomes
    /// `berth rm --autoremove`, which takes the lock.
    ///
    /// `volumes`: also the anonymous volumes it made (`rm -v`; always for `--rm`).
    func removeContainer(_ r: ContainerRecord, force: Bool, keepExitRecord: Bool = false, volumes: Bool = false) throws {
        let p = store.paths(r.id)
        let anonymous = volumes || r.autoRemove ? volumesMade(inDirectory: p.directory) : []
        // One check per attempt, under the lock: the usual case (nothing runs) reads the state and
        // the cgroups once; a running container is stopped outside the lock and checked again.
        for attempt in 0...Self.removeAttempts {
            let removed: Bool
            do {
                removed = try FileLock.with(p.lock) { () throws -> Bool in
                    guard FileIO.exists(p.record) else { throw BerthError.noSuchContainer(r.name) }
                    guard !isRunningOrHasProcesses(r) else { return false }
                    CrashPoint.reach("rm-locked")
                    try removeStopped(r, paths: p, keepExitRecord: keepExitRecord)
                    return true
                }
            } catch BerthError.system(operation: _, path: _, errno: ENOENT) {
                // The directory (and its lock file) went while this call stopped the container.
                throw BerthError.noSuchContainer(r.name)
            }
            if removed {
                if !r.attachments.isEmpty { refreshNetworkNames() }
                removeUnusedVolumes(anonymous, anonymousOnly: true)
                return
            }
            guard force else {
                throw BerthError.invalidState("cannot remove running container \(r.name): stop it first or use --force")
            }
            guard attempt < Self.removeAttempts else { break }
            FileIO.writeBestEffort(p.removingMarker, string: "")
            try stopContainer(r, signal: SIGKILL, timeout: 0, stopEvent: false)
        }
        throw BerthError.invalidState("container \(r.name) was started again each time it was stopped for removal; try again")
    }

    /// How often a removal stops a container that a concurrent `start` brought back.
    static let removeAttempts = 3

    /// Whether the container's init runs, or processes are left in its cgroups (possible with
    /// `--network host`, an exec, a dead supervisor).
    private func isRunningOrHasProcesses(_ r: ContainerRecord) -> Bool {
        let st = store.state(r.id)
        if st.isRunning { return true }
        return (st.status == .dead || st.status == .created) && !cgroupPids(id: r.id, parent: r.cgroupParent).isEmpty
    }

    /// The removal proper, under the container's lock with nothing running.
    private func removeStopped(_ r: ContainerRecord, paths p: ContainerPaths, keepExitRecord: Bool) throws {
        // Kills what the init left behind.
        try cgroups.remove(id: r.id, parent: r.cgroupParent, plan: p.plan)
        CrashPoint.reach("rm-removed-cgroups")
        if keepExitRecord { store.keepExitRecord(r.id) }
        store.pruneExitRecords()
        try FileLock.with(store.globalLock) {
            // Renamed first so a concurrent listing never sees half a container.
            let trash = store.removingDirectory(r.id)
            if rename(p.directory, trash) != 0 && errno != ENOENT { throw BerthError.errno("rename", p.directory) }
            store.forget(r.id)
            CrashPoint.reach("rm-renamed")
            try FileIO.removeTree(trash)
            store.names.release(r.name, of: r.id)
            if !r.attachments.isEmpty { bridgeStore.releaseAddresses(of: [r.id]) }
        }
        recordEvent("destroy", r)
    }

    /// Waits until the container is no longer running and returns its exit code.
    public func wait(_ ref: String) throws -> Int32 {
        let r: ContainerRecord
        do { r = try resolve(ref) } catch {
            // An --rm container may be gone already; its exit record outlives it for a minute.
            if let s = store.exitRecord(ref) { return s.exitCode ?? -1 }
            throw error
        }
        while true {
            guard let s = store.shimStatus(r.id) else {
                if !FileIO.exists(store.paths(r.id).directory) {
                    if let s = store.exitRecord(r.id) { return s.exitCode ?? -1 }
                    throw BerthError.noSuchContainer(ref)
                }
                usleep(5000); continue
            }
            let alive = ProcStat.isAlive(pid: s.shimPid, startTime: s.shimStart)
            if s.status == "exited" || s.status == "created" || !alive {
                if s.status == "created" && !alive && s.exitCode == nil {
                    throw BerthError.invalidState("container \(r.name) has not been started")
                }
                return s.exitCode ?? -1
            }
            if s.status == "running", let shimPid = s.shimPid {
                // Wakes at the supervisor's exit, or after 200 ms to read `status` again.
                _ = SupervisorWatch(pid: shimPid, startTime: s.shimStart).waitForExit(timeout: 0.2)
                continue
            }
            usleep(10000)
        }
    }
}
