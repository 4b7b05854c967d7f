import Glibc

/// mkdir/rmdir of cgroup directories, with the bookkeeping to undo a half-done create.
/// The hooks stand in for the kernel when a test runs the managers against a plain temp directory:
/// cgroupfs fills a new directory with its interface files and lets rmdir remove a directory that holds them.
struct CgroupTree: Sendable {
    struct Hooks: Sendable {
        var afterMkdir: @Sendable (String) -> Void = { _ in }
        var beforeRmdir: @Sendable (String) -> Void = { _ in }
    }

    var hooks = Hooks()

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
    static let busyRetryNanos: UInt64 = 1_000_000_000

    /// Removes a container's directory. A cgroup stays busy for a moment after its last task died
    /// (the kernel frees the task asynchronously), so EBUSY is retried until `deadline` (CLOCK_MONOTONIC ns).
    func removeLeaf(_ dir: String, deadline: UInt64) throws {
        var delay: UInt32 = 1_000
        while true {
            hooks.beforeRmdir(dir)
            if rmdir(dir) == 0 { return }
            let e = errno
            if e == ENOENT { return }
            guard e == EBUSY, MonotonicClock.nanos() < deadline else {
                throw BerthError.system(operation: "rmdir", path: dir, errno: e)
            }
            usleep(delay)
            delay = min(delay * 2, 50_000)
        }
    }

    static func retryDeadline() -> UInt64 {
        MonotonicClock.nanos() + busyRetryNanos
    }

    /// Removes a shared directory if it is empty; another container still in it (EBUSY, ENOTEMPTY) is fine.
    /// Returns whether the directory is gone.
    @discardableResult
    func removeIfEmpty(_ dir: String) -> Bool {
        hooks.beforeRmdir(dir)
        return rmdir(dir) == 0 || errno == ENOENT
    }

    /// PIDs listed in a cgroup.procs file; empty when it is gone.
    static func readPids(_ procsFile: String) -> [Int32] {
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
