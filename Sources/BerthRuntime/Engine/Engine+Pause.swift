import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `pause` and `unpause`: the container's processes frozen and thawed by the cgroup freezer
/// (`CgroupFreezer`, v1 or v2). The cgroup is the truth; `containers/<id>/paused` records it for
/// listings (one `access` per running container instead of a cgroup read), written after the
/// freeze and removed after the thaw, and removed again by start, stop, kill and rm.
extension Engine {
    public func pause(_ ref: String) throws {
        let r = try resolve(ref)
        let p = store.paths(r.id)
        try FileLock.with(p.lock) {
            let state = store.state(r.id)
            guard state.status == .running else {
                throw BerthError.invalidState("container \(r.name) is not running")
            }
            if state.paused || cgroups.isFrozen(id: r.id, parent: r.cgroupParent, plan: p.plan) {
                throw BerthError.invalidState("container \(r.name) is already paused")
            }
            try cgroups.setFrozen(id: r.id, parent: r.cgroupParent, plan: p.plan, true)
            do { try FileIO.writeAtomically(p.pausedMarker, string: "") } catch {
                try? cgroups.setFrozen(id: r.id, parent: r.cgroupParent, plan: p.plan, false)
                throw error
            }
            recordEvent("pause", r)
        }
    }

    public func unpause(_ ref: String) throws {
        let r = try resolve(ref)
        let p = store.paths(r.id)
        try FileLock.with(p.lock) {
            // The cgroup decides: a marker lost to a crash does not keep a frozen container frozen.
            guard store.state(r.id).paused || cgroups.isFrozen(id: r.id, parent: r.cgroupParent, plan: p.plan) else {
                throw BerthError.invalidState("container \(r.name) is not paused")
            }
            try cgroups.setFrozen(id: r.id, parent: r.cgroupParent, plan: p.plan, false)
            unlink(p.pausedMarker)
            recordEvent("unpause", r)
        }
    }

    /// Before a signal that must act (stop, rm -f, start of a stopped one): a frozen container is
    /// thawed, or its processes would never see the signal (v1).
    func thawIfPaused(_ r: ContainerRecord) {
        let p = store.paths(r.id)
        let marked = FileIO.exists(p.pausedMarker)
        if marked || cgroups.isFrozen(id: r.id, parent: r.cgroupParent, plan: p.plan) {
            try? cgroups.setFrozen(id: r.id, parent: r.cgroupParent, plan: p.plan, false)
            if marked { recordEvent("unpause", r) }
        }
        unlink(p.pausedMarker)
    }
}
