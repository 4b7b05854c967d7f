import BerthOS
import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Services that follow their load, without a daemon: `setAutoscale` stores the policy in the
/// service's file and starts a controller for it — a monitor process that runs the worker
/// (`runAutoscaler`) and starts it again if it dies, both recorded in `services/NAME.autoscaler`.
/// The worker samples the replicas' cgroups every interval, asks `HorizontalScaler` for a count
/// and scales through the same path as `berth scale`, recording each decision in the event
/// journal. Turning autoscaling off or removing the service stops both processes.
extension Engine {
    /// Sets (or, with nil, removes) a service's autoscaling policy, brings its count into the
    /// policy's range and starts or stops its controller. Compose services take theirs from the
    /// compose file (`x-berth-autoscale:`), as every other field of theirs.
    @discardableResult
    public func setAutoscale(_ service: String, policy: AutoscalePolicy?) throws -> ScaleResult {
        try policy?.validate(maxReplicas: options.maxReplicas)
        let result = try serviceStore.locked(service) { () throws -> ScaleResult in
            guard var spec = try serviceStore.load(service) else { throw Self.noSuchService(service) }
            if let project = spec.project {
                throw BerthError.invalidArgument("service \(service) belongs to compose project \(project): set x-berth-autoscale in its compose file and run `berth up`")
            }
            let from = spec.replicas
            spec.autoscale = policy
            if let policy { spec.replicas = min(max(spec.replicas, policy.min), policy.max) }
            try checkCapacity(spec, desired: spec.replicas)
            try serviceStore.save(spec)
            recordServiceEvent(service, action: policy == nil ? "autoscale-off" : "autoscale",
                               ["policy": policy?.summary ?? "off", "replicas": String(spec.replicas)])
            var r = spec.replicas == from ? ScaleResult(service: service, from: from, to: from) : try reconcile(spec, timeout: spec.stopTimeout)
            r.from = from
            return r
        }
        if policy == nil { stopAutoscaler(service) } else { try ensureAutoscaler(service) }
        return result
    }

    /// The same policy with another replica range (checked as `service autoscale` checks it).
    public func setAutoscaleRange(_ service: String, min: Int, max: Int) throws {
        guard var policy = try serviceStore.load(service)?.autoscale else {
            throw BerthError.invalidArgument("service \(service) is not autoscaled")
        }
        policy.min = min
        policy.max = max
        try setAutoscale(service, policy: policy)
    }

    /// The controller's state for `service ls`/`inspect`; nil when the service is not autoscaled.
    func autoscalerStatus(_ spec: ServiceSpec) -> AutoscalerStatus? {
        guard let policy = spec.autoscale else { return nil }
        let record = try? loadAutoscalerRecord(spec.name)
        let alive = record?.workerAlive ?? false
        return AutoscalerStatus(policy: policy, controllerPid: alive ? record?.workerPid : nil, running: alive,
                                restarts: record?.restarts ?? 0)
    }

    // MARK: - The controller's processes

    func autoscalerRecordPath(_ service: String) throws -> String {
        serviceStore.directory + "/" + (try ResourceName.validate(service, kind: .service)) + ".autoscaler"
    }

    func loadAutoscalerRecord(_ service: String) throws -> AutoscalerRecord? {
        guard let bytes = FileIO.read(try autoscalerRecordPath(service), followLink: false) else { return nil }
        return try? JSONDecoder().decode(AutoscalerRecord.self, from: Data(bytes))
    }

    func saveAutoscalerRecord(_ service: String, _ record: AutoscalerRecord) throws {
        try FileIO.writeAtomically(try autoscalerRecordPath(service), bytes: Array(try JSONEncoder().encode(record)), mode: 0o600)
    }

    /// Starts the service's monitor unless one runs. A second monitor started meanwhile by
    /// another command finds the first one's lock taken and exits at once.
    public func ensureAutoscaler(_ service: String) throws {
        if let record = try loadAutoscalerRecord(service), record.monitorAlive { return }
        let log = try autoscalerRecordPath(service) + ".log"
        let fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw BerthError.errno("open", log) }
        defer { close(fd) }
        var argv = [cliPath, "service", "autoscaler", "--root", root]
        if let parent = options.cgroupParent { argv += ["--cgroup-parent", parent] }
        argv.append(service)
        let rc = withCStringArray(argv) { berth_spawn_daemon(cliPath, $0, environ, fd) }
        guard rc == 0 else {
            throw BerthError.system(operation: "start the autoscaler of \(service) (\(cliPath))", path: cliPath, errno: rc)
        }
    }

    /// Ends the controller (worker first, so the monitor finds it dead with the policy gone
    /// and does not restart it) and removes its record. Only pids whose start time matches the
    /// record are signalled.
    func stopAutoscaler(_ service: String) {
        guard let record = try? loadAutoscalerRecord(service) else { return }
        if record.workerAlive, let pid = record.workerPid { Glibc.kill(pid, SIGTERM) }
        if record.monitorAlive { Glibc.kill(record.monitorPid, SIGTERM) }
        if let path = try? autoscalerRecordPath(service) {
            unlink(path)
            unlink(path + ".log")
        }
    }

    /// The monitor: runs workers one after the other for as long as the service is autoscaled,
    /// restarting one that dies with a backoff (1 s doubling to 30 s; back to 1 s after a worker
    /// that lived a minute). Returns when the policy is gone or another monitor holds the lock.
    public func runAutoscalerMonitor(_ service: String) throws {
        let lock = try autoscalerRecordPath(service) + ".lock"
        let fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw BerthError.errno("open", lock) }
        // Held until this process ends: the kernel lets go of it even after a SIGKILL.
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { close(fd); return }
        let me = getpid()
        guard let start = AutoscalerRecord.startTime(of: me) else { return }
        var record = AutoscalerRecord(monitorPid: me, monitorStart: start, restarts: (try? loadAutoscalerRecord(service))?.restarts ?? 0)
        try saveAutoscalerRecord(service, record)
        var delay = 1.0
        while (try? serviceStore.load(service))?.autoscale != nil {
            var argv = [cliPath, "service", "autoscaler", "--worker", "--root", root]
            if let parent = options.cgroupParent { argv += ["--cgroup-parent", parent] }
            argv.append(service)
            var pid: pid_t = 0
            let rc = withCStringArray(argv) { posix_spawn(&pid, cliPath, nil, nil, $0, environ) }
            guard rc == 0 else { throw BerthError.system(operation: "start the autoscaler worker", path: cliPath, errno: rc) }
            record.workerPid = pid
            record.workerStart = AutoscalerRecord.startTime(of: pid)
            try saveAutoscalerRecord(service, record)
            let began = berth_monotonic_ns()
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            guard (try? serviceStore.load(service))?.autoscale != nil else { break }
            let code = (status & 0x7f) == 0 ? String((status >> 8) & 0xff) : "signal \(status & 0x7f)"
            record.restarts += 1
            record.workerPid = nil; record.workerStart = nil
            try saveAutoscalerRecord(service, record)
            recordServiceEvent(service, action: "autoscaler-restart", ["exitCode": code, "restarts": String(record.restarts)])
            if berth_monotonic_ns() - began > 60_000_000_000 { delay = 1 }
            usleep(UInt32(delay * 1_000_000))
            delay = min(delay * 2, 30)
        }
        if let path = try? autoscalerRecordPath(service) { unlink(path) }
    }

    /// The worker: sample, decide, scale, every interval, until the policy is gone. A scale that
    /// fails (no addresses left, an image removed) is recorded and tried again next interval.
    public func runAutoscaler(_ service: String) throws {
        var scaler: HorizontalScaler?
        var meter = UtilizationMeter()
        while let spec = try serviceStore.load(service), let policy = spec.autoscale {
            if scaler?.policy != policy { scaler = HorizontalScaler(policy: policy) }
            let running = replicas(of: service).values.filter { $0.state.status == .running }
            let samples = sampleStats(of: Array(running))
            var cpuLimits: [String: Double?] = [:]
            for r in running { cpuLimits[r.id] = r.limits.cpuLimit }
            let utilization = meter.measure(samples, cpuLimits: cpuLimits)
            let now = Double(berth_monotonic_ns()) / 1e9
            let decision = scaler!.decide(current: spec.replicas, utilization: utilization, now: now)
            if decision.desired != spec.replicas {
                do {
                    if let r = try scale(service, to: decision.desired, stopTimeout: nil, asAutoscaler: true) {
                        recordServiceEvent(service, action: "scale",
                                           ["from": String(r.from), "to": String(r.to), "reason": decision.reason, "by": "autoscaler"])
                    }
                } catch {
                    recordServiceEvent(service, action: "scale-failed",
                                       ["to": String(decision.desired), "reason": decision.reason, "error": "\(error)"])
                }
            }
            usleep(UInt32(policy.interval * 1_000_000))
        }
    }

    /// Records an event of a service (`type` `service`) in the journal; best effort.
    func recordServiceEvent(_ service: String, action: String, _ attributes: [String: String]) {
        eventJournal.append(type: "service", action: action, id: service,
                            actor: EventLine.actor(name: service, attributes: [:], labels: [:]), extra: attributes)
    }
}
