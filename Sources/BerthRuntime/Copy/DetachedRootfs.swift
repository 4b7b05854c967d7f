import BerthOS
import CBerthSys
#if canImport(Glibc)
import Glibc
#endif

/// A stopped container's root filesystem as its overlay merges it (image layers + its writable
/// layer), for `cp`, `export`: mounted with the new mount API and never attached to any mount
/// namespace, so nothing appears in the host's mount table, nothing can stay mounted after the
/// call (the kernel drops the mount with its last descriptor, also when the process is killed),
/// and no namespace has to be entered by a multithreaded process.
enum DetachedRootfs {
    /// Runs `body` with a descriptor of the merged root of `record`'s container.
    static func with<T>(_ record: ContainerRecord, paths: ContainerPaths, _ body: (Int32) throws -> T) throws -> T {
        let lowers = Array(record.layers.reversed())
        let fd = withCStringArray(lowers) { array in
            berth_detached_overlay(array, Int32(lowers.count), paths.upper, paths.work)
        }
        guard fd >= 0 else { throw BerthError.errno("mount the overlay of", record.name) }
        defer { close(fd) }
        return try body(fd)
    }
}
