import BerthOS
import CBerthSys
#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    /// `berth cp CONTAINER:SRC DEST`.
    public func copyFromContainer(_ ref: String, path: String, to hostPath: String) throws {
        try withContainerRoot(ref) { root in
            try ContainerCopy.copy(from: .init(root: root, inContainer: true), path,
                                   to: .init(root: AT_FDCWD, inContainer: false), hostPath, owner: nil)
        }
    }

    /// `berth cp SRC CONTAINER:DEST`: what is written belongs to the container's root user, as in docker.
    public func copyToContainer(_ ref: String, path: String, from hostPath: String) throws {
        try withContainerRoot(ref) { root in
            try ContainerCopy.copy(from: .init(root: AT_FDCWD, inContainer: false), hostPath,
                                   to: .init(root: root, inContainer: true), path, owner: (0, 0))
        }
    }

    /// A descriptor of the running container's root, as its init sees it.
    private func withContainerRoot(_ ref: String, _ body: (Int32) throws -> Void) throws {
        let r = try resolve(ref)
        guard let pid = store.runningInit(r.id) else {
            throw BerthError.unsupported("container \(r.name) is not running: berth cp works on running containers only")
        }
        let root = open("/proc/\(pid)/root", berth_o_path() | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { throw BerthError.errno("open the root of", r.name) }
        defer { close(root) }
        // The init that was running when the descriptor was taken (not a reused pid).
        guard store.runningInit(r.id) == pid else { throw BerthError.invalidState("container \(r.name) stopped") }
        try body(root)
    }
}
