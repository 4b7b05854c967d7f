import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `pause`/`unpause` through the kernel's freezer, for a container's cgroup directories whatever
/// the layout: a v1 freezer directory has `freezer.state` (written `FROZEN`/`THAWED`, read back
/// until it is no longer `FREEZING`), a v2 directory `cgroup.freeze` (written `1`/`0`, then
/// `cgroup.events` says `frozen 1`/`frozen 0`). A freeze can take a while when a task sleeps
/// uninterruptibly, so v1's request is repeated (as runc does) until a deadline, after which the
/// cgroup is thawed again and the error says so.
public enum CgroupFreezer {
    static let timeoutNanos: UInt64 = 10_000_000_000

    /// The directory among `directories` that freezes the container, and its kind.
    enum Control: Equatable {
        case v1(String), v2(String)
    }

    static func control(in directories: [String]) -> Control? {
        if let d = directories.first(where: { KernelFile.exists($0 + "/freezer.state") }) { return .v1(d) }
        if let d = directories.first(where: { KernelFile.exists($0 + "/cgroup.freeze") }) { return .v2(d) }
        return nil
    }

    /// Freezes or thaws; returns once the kernel reports it done.
    public static func setFrozen(directories: [String], _ frozen: Bool) throws {
        switch control(in: directories) {
        case .v1(let dir):
            let file = dir + "/freezer.state"
            let wanted = frozen ? "FROZEN" : "THAWED"
            try waitUntil(frozen: frozen, file: file) {
                try KernelFile.write(wanted, to: file)
                return try KernelFile.read(file).trimmingCharacters(in: .whitespacesAndNewlines) == wanted
            } undo: { try? KernelFile.write("THAWED", to: file) }
        case .v2(let dir):
            let file = dir + "/cgroup.freeze"
            try KernelFile.write(frozen ? "1" : "0", to: file)
            try waitUntil(frozen: frozen, file: file) {
                isFrozenV2(dir) == frozen
            } undo: { try? KernelFile.write("0", to: file) }
        case nil:
            throw BerthError.unsupported("pause needs the cgroup v1 freezer controller or cgroup v2's cgroup.freeze (Linux 5.2), which this container's cgroups lack")
        }
    }

    /// Whether the kernel reports the container frozen.
    public static func isFrozen(directories: [String]) -> Bool {
        switch control(in: directories) {
        case .v1(let dir): return KernelFile.readIfPresent(dir + "/freezer.state")?.trimmingCharacters(in: .whitespacesAndNewlines) == "FROZEN"
        case .v2(let dir): return isFrozenV2(dir)
        case nil: return false
        }
    }

    static func isFrozenV2(_ dir: String) -> Bool {
        guard let events = KernelFile.readIfPresent(dir + "/cgroup.events") else { return false }
        return events.split(separator: "\n").contains("frozen 1")
    }

    private static func waitUntil(frozen: Bool, file: String, _ done: () throws -> Bool, undo: () -> Void) throws {
        let deadline = MonotonicClock.nanos() + timeoutNanos
        while try !done() {
            guard MonotonicClock.nanos() < deadline else {
                if frozen { undo() }
                throw BerthError.invalidState("the container's processes did not \(frozen ? "freeze" : "thaw") within 10 s (\(file))")
            }
            usleep(1000)
        }
    }
}
