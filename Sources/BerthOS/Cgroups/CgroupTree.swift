import Glibc

/// mkdir/rmdir of cgroup directories, with the bookkeeping to undo a half-done create.
/// The hooks stand in for the kernel when a test runs the managers against a plain temp directory:
/// cgroupfs fills a new directory with its interface files and lets rmdir remove a directory that holds them.
public struct CgroupTree: Sendable {
    struct Hooks: Sendable {
        var afterMkdir: @Sendable (String) -> Void = { _ in }
        var beforeRmdir: @Sendable (String) -> Void = { _ in }
        /// After a successful rmdir of a shared directory: lets a test put another process's create
        /// exactly between the rmdir and the bookkeeping that follows it.
        var afterRmdir: @Sendable (String) -> Void = { _ in }
    }

    var hooks = Hooks()

    public init() {}
    init(hooks: Hooks) { self.hooks = hooks }

    /// Creates each missing directory of `dirs` (outermost first); returns those it created.
    /// On failure removes them again before throwing.
    func makeDirectories(_ dirs: [String]) throws -> [String] {
        var created: [String] = []
        for dir in dirs {
            if mkdir(dir, 0o755) == 0 {
                created.append(dir)
                hooks.afterMkdir(dir)
            } else if errno != EEXIST {
                let error = BerthError.system(operation: "mkdir", path: dir, errno: errno)
                removeQuietly(created)
                throw error
            }
        }
        return created
    }

    /// Removes `dirs` innermost first, ignoring failures: the cleanup path of a failed create.
    func removeQuietly(_ dirs: [String]) {
        for dir in dirs.reversed() {
            hooks.beforeRmdir(dir)
            _ = rmdir(dir)
        }
    }

    /// How long `removeLeaf` keeps retrying EBUSY, shared by all of one container's hierarchies.
    /// Generous: on a busy machine a killed task can take seconds to leave its cgroup, and giving
    /// up leaves an empty cgroup behind for good.
    static let busyRetryNanos: UInt64 = 10_000_000_000

    /// Removes a container's directory. While it is busy, whatever is still in its `cgroup.procs`
    /// is sent SIGKILL (a process the container left behind: a dead supervisor, `--network host`,
    /// an exec) and the rmdir retried, also because a cgroup stays busy for a moment after its last
    /// task died (the kernel frees the task asynchronously), until `deadline` (CLOCK_MONOTONIC ns).
    public func removeLeaf(_ dir: String, deadline: UInt64) throws {
        var delay: UInt32 = 1_000
        while true {
            hooks.beforeRmdir(dir)
            if rmdir(dir) == 0 { return }
            let e = errno
            if e == ENOENT { return }
            guard e == EBUSY, MonotonicClock.nanos() < deadline else {
                throw BerthError.system(operation: "rmdir", path: dir, errno: e)
            }
            Self.killAll(dir)
            usleep(delay)
            delay = min(delay * 2, 50_000)
        }
    }

    /// SIGKILL to every process in cgroup `dir`. v2 (Linux 5.14+) kills the whole cgroup in one
    /// write of `cgroup.kill`: a process forked between a read of cgroup.procs and the kills cannot
    /// escape. v1 has no cgroup.kill: each pid read from cgroup.procs is killed.
    /// Returns whether `cgroup.kill` did it.
    @discardableResult
    public static func killAll(_ dir: String) -> Bool {
        if (try? KernelFile.write("1", to: dir + "/cgroup.kill")) != nil { return true }
        for pid in readPids(dir + "/cgroup.procs") where pid > 1 { _ = kill(pid, SIGKILL) }
        return false
    }

    public static func retryDeadline() -> UInt64 {
        MonotonicClock.nanos() + busyRetryNanos
    }

    /// Removes a shared directory if it is empty; another container still in it (EBUSY, ENOTEMPTY) is fine.
    /// Returns whether the directory is gone.
    @discardableResult
    func removeIfEmpty(_ dir: String) -> Bool {
        hooks.beforeRmdir(dir)
        if rmdir(dir) == 0 {
            hooks.afterRmdir(dir)
            return true
        }
        return errno == ENOENT
    }

    /// PIDs listed in a cgroup.procs file; empty when it is gone.
    public static func readPids(_ procsFile: String) -> [Int32] {
        guard let text = KernelFile.readIfPresent(procsFile) else { return [] }
        return text.split(separator: "\n").compactMap { Int32($0) }
    }
}

extension BerthError {
    /// A mkdir that found its parent gone: another process removed an empty base meanwhile; worth a retry.
    var isVanishedParent: Bool {
        if case .system(operation: "mkdir", _, let e) = self, e == ENOENT { return true }
        return false
    }
}
