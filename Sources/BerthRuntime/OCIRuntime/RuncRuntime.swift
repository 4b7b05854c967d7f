import BerthOCI
import BerthOS
import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The verbs of `berth-runc` over one state root: the same spec → launch plan → berth-shim path
/// as a Berth container, but the shim runs in OCI mode (no supervisor; the init waits on a FIFO for
/// `start`, and the caller's subreaper becomes its parent). See docs/oci-runtime.md.
public struct RuncRuntime: Sendable {
    public let root: String
    let shimPath: String
    /// Notices for the `--log` file: fields of the bundle that are not applied, mounts skipped.
    let notice: @Sendable (String) -> Void

    public init(root: String, shimPath: String? = nil, notice: @escaping @Sendable (String) -> Void = { _ in }) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
        self.shimPath = shimPath ?? Engine.executableDirectory() + "/berth-shim"
        self.notice = notice
    }

    /// Compiled seccomp filters (a dot directory: `list` and `delete` see containers only).
    var seccompCache: SeccompCache { SeccompCache(directory: root + "/.seccomp-cache") }

    /// Options of `create` beyond the bundle.
    public struct CreateOptions: Sendable {
        public var consoleSocket: String?
        public var pidFile: String?
        /// `--preserve-fds N`: this process's descriptors 3 … 3+N-1 go to the container's process.
        public var preserveFDs: Int

        public init(consoleSocket: String? = nil, pidFile: String? = nil, preserveFDs: Int = 0) {
            self.consoleSocket = consoleSocket; self.pidFile = pidFile; self.preserveFDs = preserveFDs
        }
    }

    // MARK: - create

    /// Creates the container and returns its init's pid; the init waits for `start`. On failure
    /// nothing is left: no state directory, no cgroup, no process.
    @discardableResult
    public func create(id: String, bundle bundlePath: String, options: CreateOptions = .init()) throws -> Int32 {
        try ResourceName.validate(id, kind: .container)
        let bundle = try RuncBundle.load(bundlePath)
        var spec = bundle.spec
        // Checked (naming the bad entry) before anything is made.
        let devices = try DeviceRules.effective(spec.linux?.resources?.devices, nodes: spec.linux?.devices ?? [])
        let terminal = spec.process?.terminal == true
        if terminal && options.consoleSocket == nil {
            throw BerthError.invalidArgument("process.terminal is true: --console-socket is required")
        }
        if !terminal && options.consoleSocket != nil {
            throw BerthError.invalidArgument("--console-socket is only used when process.terminal is true")
        }
        for field in bundle.ignoredFields { notice("\(field) in config.json is not applied by berth-runc") }

        let paths = RuncPaths(root: root, id: id)
        try FileIO.mkdirs(root, mode: 0o700)
        guard mkdir(paths.directory, 0o700) == 0 else {
            if errno == EEXIST { throw BerthError.invalidState("container with id \(id.quoted) already exists") }
            throw BerthError.errno("mkdir", paths.directory)
        }
        let (parent, leaf) = Self.cgroupPlacement(spec.linux?.cgroupsPath, id: id)
        // No creation time until the init is there: meanwhile (the shim runs the pre-start hooks)
        // the state says "creating", not "stopped".
        var state = RuncState(id: id, bundle: bundle.path, rootfs: spec.root?.path ?? "", pid: 0, pidStartTime: nil,
                              created: "", annotations: spec.annotations,
                              cgroupParent: parent, cgroupLeaf: leaf, owner: Self.userName(getuid()),
                              resources: spec.linux?.resources, hooks: spec.hooks)
        var manager: (any CgroupManager)?
        var pid: Int32 = 0
        do {
            try write(state, paths)
            let m: any CgroupManager
            do { m = try Cgroups.manager(parent: parent, ledger: paths.ledger) } catch let e as BerthError {
                throw BerthError.invalidArgument("linux.cgroupsPath \((spec.linux?.cgroupsPath ?? "").quoted): \(e.description)")
            }
            manager = m
            let cgroups = try m.create(id: leaf, resources: spec.linux?.resources)
            for d in cgroups.dropped { notice("linux.resources: \(d)") }
            try m.restrictDevices(id: leaf, rules: devices)
            spec.mounts = cgroupMounts(spec.mounts ?? [], version: m.version)
            guard mkfifo(paths.fifo, 0o600) == 0 else { throw BerthError.errno("mkfifo", paths.fifo) }
            // The init opens it as the root of its user namespace: the FIFO must be that root's.
            if let owner = Self.userNamespaceRoot(spec.linux), chown(paths.fifo, owner.uid, owner.gid) != 0 {
                throw BerthError.errno("chown", paths.fifo)
            }
            var plan = try RuncPlan.make(spec: spec, id: id, bundle: bundle.path, paths: paths, cgroups: cgroups,
                                         consoleSocket: options.consoleSocket,
                                         seccompCache: seccompCache)
            plan.oci?.preserveFDs = options.preserveFDs
            defer { unlink(paths.plan) }
            pid = try ShimLauncher(shimPath: shimPath).launch(plan, planPath: paths.plan)
            state.pid = pid
            state.pidStartTime = ProcStat.startTime(pid: pid)
            state.created = Timestamp(Date()).rfc3339
            try write(state, paths)
            if let pidFile = options.pidFile { try FileIO.writeAtomically(RuncBundle.absolute(pidFile), string: String(pid)) }
            return pid
        } catch {
            if pid > 0 { _ = Glibc.kill(pid, SIGKILL); waitUntilGone(pid: pid, startTime: state.pidStartTime) }
            if let manager { try? manager.remove(id: leaf) }
            try? FileIO.removeTree(paths.directory)
            throw error
        }
    }

    /// linux.cgroupsPath → (parent for `Cgroups.manager`, leaf). Absolute ("/a/b/c"): that cgroup
    /// of each hierarchy; relative with a parent ("a/c"): below berth-runc's own cgroup; a bare
    /// name or nothing: `<berth-runc's cgroup>/berth-runc/<name or id>`. Berth never creates a
    /// cgroup at a hierarchy's root, so "/c" is refused by the placement.
    static func cgroupPlacement(_ cgroupsPath: String?, id: String) -> (parent: String, leaf: String) {
        let path = cgroupsPath ?? ""
        let parts = path.split(separator: "/").map(String.init)
        guard let leaf = parts.last else { return ("berth-runc", id) }
        let dirs = parts.dropLast().joined(separator: "/")
        if path.hasPrefix("/") { return ("/" + dirs, leaf) }
        return (dirs.isEmpty ? "berth-runc" : dirs, leaf)
    }

    /// A cgroup filesystem mount: cgroup2 on a unified host; on v1 it is skipped (each hierarchy
    /// would have to be bind-mounted on a tmpfs, which berth-runc does not do yet).
    func cgroupMounts(_ mounts: [OCI.Mount], version: CgroupVersion) -> [OCI.Mount] {
        mounts.compactMap { m in
            guard m.type == "cgroup" || m.type == "cgroup2" else { return m }
            if version == .v1 {
                notice("mount of \(m.destination.quoted) (cgroup) skipped: cgroup v1 hierarchies are not mounted in the container")
                return nil
            }
            var m = m
            m.type = "cgroup2"
            return m
        }
    }

    // MARK: - queries

    public func load(_ id: String) throws -> RuncState {
        try ResourceName.validate(id, kind: .container)
        let paths = RuncPaths(root: root, id: id)
        guard KernelFile.isDirectory(paths.directory) else {
            // runc's words: containerd's shim recognises "does not exist" after a delete.
            throw BerthError.invalidState("container \(id) does not exist")
        }
        guard let data = FileIO.read(paths.state), let s = try? JSONDecoder().decode(RuncState.self, from: Data(data)) else {
            // A create killed before its first write: nothing but the directory.
            return RuncState(id: id, bundle: "", rootfs: "", pid: 0, pidStartTime: nil, created: "", annotations: nil,
                             cgroupParent: "berth-runc", cgroupLeaf: id, owner: "", resources: nil, hooks: nil)
        }
        return s
    }

    /// `creating` until the init's pid is recorded; then runc's rule (RuncStatusRule), the cgroup
    /// asked of berth-runc's manager.
    public func status(_ s: RuncState) -> RuncState.Status {
        guard s.pid > 0 else { return s.created.isEmpty ? .creating : .stopped }
        let status = RuncStatusRule.status(init: .of(pid: s.pid, startTime: s.pidStartTime),
                                           waitingForStart: FileIO.exists(RuncPaths(root: root, id: s.id).fifo),
                                           frozen: { (try? cgroupDirectories(s)).map(CgroupFreezer.isFrozen) ?? false })
        return RuncState.Status(status)
    }

    public func document(_ s: RuncState) -> RuncStateDocument {
        let st = status(s)
        return RuncStateDocument(ociVersion: OCI.Spec.version, id: s.id, status: st == .creating ? "creating" : st.rawValue,
                                 pid: st == .stopped || st == .creating ? 0 : s.pid, bundle: s.bundle, rootfs: s.rootfs,
                                 created: s.created, owner: s.owner, annotations: s.annotations)
    }

    public func list() -> [RuncState] {
        FileIO.entryNames(root).filter { ResourceName.isValid($0) && KernelFile.isDirectory(root + "/" + $0) }
            .sorted().compactMap { try? load($0) }
    }

    public func pids(_ s: RuncState) throws -> [Int32] {
        try manager(s).pids(id: s.cgroupLeaf)
    }

    func manager(_ s: RuncState) throws -> any CgroupManager {
        try Cgroups.manager(parent: s.cgroupParent, ledger: RuncPaths(root: root, id: s.id).ledger)
    }

    func cgroupDirectories(_ s: RuncState) throws -> [String] {
        try manager(s).paths(id: s.cgroupLeaf).directories
    }

    // MARK: - start, kill, pause, delete

    /// Releases the init waiting on the FIFO; it then takes its identity and execs.
    public func start(id: String) throws {
        let s = try load(id)
        switch status(s) {
        case .created: break
        case .stopped, .creating: throw BerthError.invalidState("cannot start a container that has stopped")
        case .running, .paused: throw BerthError.invalidState("cannot start an already running container")
        }
        let paths = RuncPaths(root: root, id: id)
        let fifo = open(paths.fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fifo >= 0 else { throw BerthError.errno("open", paths.fifo) }
        defer { close(fifo) }
        let pidfd = berth_pidfd_open(s.pid)
        defer { if pidfd >= 0 { close(pidfd) } }
        var fds = [pollfd(fd: fifo, events: Int16(POLLIN), revents: 0), pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)]
        while true {
            let n = poll(&fds, pidfd >= 0 ? 2 : 1, -1)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw BerthError.errno("poll", paths.fifo) }
            var byte: UInt8 = 0
            if fds[0].revents != 0 {
                let r = read(fifo, &byte, 1)
                if r == 1 { break }
                if r < 0 && (errno == EAGAIN || errno == EINTR) { fds[0].revents = 0; continue }
            }
            if fds[0].revents != 0 || fds[1].revents != 0 {
                throw BerthError.startFailed("the container's init exited before it was started")
            }
        }
        unlink(paths.fifo)
        // The spec: a failed poststart hook is a warning; the container runs on.
        do { try RuncHooks.run(s.hooks?.poststart, kind: "poststart", state: document(s)) } catch { notice("\(error)") }
    }

    public func kill(id: String, signal: Int32, all: Bool) throws {
        let s = try load(id)
        let st = status(s)
        guard st != .stopped && st != .creating else { throw BerthError.invalidState("container not running") }
        let targets = all ? try pids(s) : [s.pid]
        for pid in targets where Glibc.kill(pid, signal) != 0 && errno != ESRCH {
            throw BerthError.errno("kill", String(pid))
        }
    }

    public func pause(id: String) throws {
        let s = try load(id)
        guard status(s) == .running else { throw BerthError.invalidState("container not running") }
        try CgroupFreezer.setFrozen(directories: try cgroupDirectories(s), true)
    }

    public func resume(id: String) throws {
        let s = try load(id)
        guard status(s) == .paused else { throw BerthError.invalidState("container not paused") }
        try CgroupFreezer.setFrozen(directories: try cgroupDirectories(s), false)
    }

    /// `update`: `changes` merged over the limits in force (a field given replaces that field),
    /// written through the same limit writers as at create, and recorded.
    public func update(id: String, changes: OCI.Resources) throws {
        var s = try load(id)
        let st = status(s)
        guard st != .stopped && st != .creating else { throw BerthError.invalidState("container not running") }
        let merged = Self.merge(s.resources, changes)
        for d in try manager(s).create(id: s.cgroupLeaf, resources: merged).dropped { notice("linux.resources: \(d)") }
        s.resources = merged
        try write(s, RuncPaths(root: root, id: id))
    }

    static func merge(_ base: OCI.Resources?, _ new: OCI.Resources) -> OCI.Resources {
        var out = base ?? OCI.Resources()
        if let m = new.memory {
            var o = out.memory ?? OCI.MemoryResources()
            o.limit = m.limit ?? o.limit; o.reservation = m.reservation ?? o.reservation; o.swap = m.swap ?? o.swap
            out.memory = o
        }
        if let c = new.cpu {
            var o = out.cpu ?? OCI.CPUResources()
            o.shares = c.shares ?? o.shares; o.quota = c.quota ?? o.quota; o.period = c.period ?? o.period
            o.cpus = c.cpus ?? o.cpus; o.mems = c.mems ?? o.mems
            out.cpu = o
        }
        if let p = new.pids { out.pids = p }
        if let b = new.blockIO {
            var o = out.blockIO ?? OCI.BlockIO()
            o.weight = b.weight ?? o.weight
            o.throttleReadBpsDevice = b.throttleReadBpsDevice ?? o.throttleReadBpsDevice
            o.throttleWriteBpsDevice = b.throttleWriteBpsDevice ?? o.throttleWriteBpsDevice
            o.throttleReadIOPSDevice = b.throttleReadIOPSDevice ?? o.throttleReadIOPSDevice
            o.throttleWriteIOPSDevice = b.throttleWriteIOPSDevice ?? o.throttleWriteIOPSDevice
            out.blockIO = o
        }
        return out
    }

    /// Removes a stopped (or created) container; `force` kills a running one first.
    public func delete(id: String, force: Bool) throws {
        let s = try load(id)
        let st = status(s)
        if (st == .running || st == .paused) && !force {
            throw BerthError.invalidState("cannot delete container \(id) that is not stopped: \(st.rawValue)")
        }
        if !s.cgroupLeaf.isEmpty, let m = try? manager(s) {
            // Whatever is still in the cgroup goes too: a stopped init's leftovers, or the waiting
            // init of a `create` killed before it recorded the pid.
            let alive = st != .stopped && st != .creating
            let pids = m.pids(id: s.cgroupLeaf) + (alive ? [s.pid] : [])
            for pid in Set(pids) { _ = Glibc.kill(pid, SIGKILL) }
            if st == .paused { try? CgroupFreezer.setFrozen(directories: m.paths(id: s.cgroupLeaf).directories, false) }
            if alive { waitUntilGone(pid: s.pid, startTime: s.pidStartTime) }
            try m.remove(id: s.cgroupLeaf)
        }
        try FileIO.removeTree(RuncPaths(root: root, id: id).directory)
        var stopped = document(s)
        stopped.status = RuncState.Status.stopped.rawValue
        stopped.pid = 0
        do { try RuncHooks.run(s.hooks?.poststop, kind: "poststop", state: stopped) } catch { notice("\(error)") }
    }

    /// Waits (up to 10 s) for a killed init that is not our child: gone once dead or a zombie.
    func waitUntilGone(pid: Int32, startTime: UInt64?) {
        let deadline = MonotonicClock.nanos() + 10_000_000_000
        while ProcStat.isAlive(pid: pid, startTime: startTime) && MonotonicClock.nanos() < deadline {
            usleep(2000)
        }
    }

    func write(_ state: RuncState, _ paths: RuncPaths) throws {
        let data = try JSONEncoder().encode(state)
        try FileIO.writeAtomically(paths.state, bytes: [UInt8](data), mode: 0o600)
    }

    /// The host ids of root in a new user namespace of `linux` (its maps of id 0); nil without one.
    static func userNamespaceRoot(_ linux: OCI.Linux?) -> (uid: uid_t, gid: gid_t)? {
        guard let linux, (linux.namespaces ?? []).contains(where: { $0.type == .user && $0.path == nil }) else { return nil }
        func host(_ maps: [OCI.IDMapping]?) -> UInt32? {
            (maps ?? []).first { $0.containerID == 0 }.map(\.hostID)
        }
        guard let uid = host(linux.uidMappings), let gid = host(linux.gidMappings) else { return nil }
        return (uid, gid)
    }

    static func userName(_ uid: uid_t) -> String {
        guard let pw = getpwuid(uid), let name = pw.pointee.pw_name else { return String(uid) }
        return String(cString: name)
    }
}
