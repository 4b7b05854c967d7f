import BerthOS
import Foundation

extension Engine {
    /// The host PIDs of a running container's processes (every process in its cgroups), for `top`.
    public func processes(_ ref: String) throws -> [Int32] {
        let r = try resolve(ref)
        _ = try store.requireRunningInit(r)
        return cgroupPids(id: r.id, parent: r.cgroupParent)
    }
}
