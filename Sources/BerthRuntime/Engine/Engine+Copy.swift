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

    /// `berth diff`: what the container changed in its image's filesystem (`ContainerDiff`).
    public func diff(_ ref: String) throws -> [FilesystemChange] {
        let r = try resolve(ref)
        let changes = try ContainerDiff.changes(upper: store.paths(r.id).upper, layersTopmostFirst: r.layers.reversed())
        // Mount points the supervisor made for the container's mounts (/etc/hosts, volumes) are
        // Berth's, not the container's changes: docker keeps them in its init layer and does not
        // list them, nor a directory changed only by them.
        let made = Set(((try? store.storedSpec(r.id))?.mounts ?? []).map(\.destination))
        let kept = changes.filter { !($0.kind == .added && made.contains($0.path)) }
        return kept.filter { c in
            guard c.kind == .changed else { return true }
            let below = c.path + "/"
            return !changes.contains { $0.path.hasPrefix(below) } || kept.contains { $0.path.hasPrefix(below) }
        }
    }

    /// `berth export`: the container's root filesystem as a tar stream on `fd` (the merged view;
    /// volumes and binds are not part of it, as in docker). A running container is read through
    /// its init's root, the overlay it runs on, stopping at every mount point there (/proc,
    /// /sys, /dev, volumes, binds: `LayerTarWriter.liveTree`), without pausing it: as docker, each
    /// file is read as it is when reached, so a container writing meanwhile may give an archive
    /// no single moment had (`berth pause` first for one that has); freezing it for the whole
    /// walk would stall a service for as long as the archive takes. A stopped container's overlay
    /// is mounted detached (`DetachedRootfs`): mounting the upper directory of a running one a
    /// second time is what overlayfs forbids.
    public func exportFilesystem(_ ref: String, to fd: Int32, path: String) throws {
        let r = try resolve(ref)
        let running = store.runningInit(r.id) != nil
        let write = { (root: Int32) throws in
            let writer = try LayerTarWriter(fd: fd, path: path)
            writer.liveTree = running
            _ = try writer.writeTree("/proc/self/fd/\(root)")
        }
        if running { try withContainerRoot(r.id, write) } else { try withStoppedRoot(r, write) }
    }

    /// A descriptor of the container's root: as its init sees it while it runs (volumes and
    /// binds included, as docker), else its overlay mounted detached (`DetachedRootfs`) under the
    /// container's lock, so no start mounts the same upper directory meanwhile.
    func withContainerRoot<T>(_ ref: String, _ body: (Int32) throws -> T) throws -> T {
        let r = try resolve(ref)
        if let pid = store.runningInit(r.id) {
            let root = open("/proc/\(pid)/root", berth_o_path() | O_DIRECTORY | O_CLOEXEC)
            guard root >= 0 else { throw BerthError.errno("open the root of", r.name) }
            defer { close(root) }
            // The init that was running when the descriptor was taken (not a reused pid).
            guard store.runningInit(r.id) == pid else { throw BerthError.invalidState("container \(r.name) stopped") }
            return try body(root)
        }
        return try withStoppedRoot(r, body)
    }

    private func withStoppedRoot<T>(_ r: ContainerRecord, _ body: (Int32) throws -> T) throws -> T {
        let paths = store.paths(r.id)
        return try FileLock.with(paths.lock) {
            let state = store.state(r.id)
            switch state.status {
            case .created, .exited: break
            case .running, .restarting:
                throw BerthError.invalidState("container \(r.name) is running; try again")
            case .dead, .broken:
                throw BerthError.invalidState("container \(r.name) is \(state.status.rawValue): remove it (berth rm -f)")
            }
            return try DetachedRootfs.with(r, paths: paths, body)
        }
    }
}
