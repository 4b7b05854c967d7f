import CBerthSys
#if canImport(Glibc)
import Glibc
#endif

/// Extended attributes, through libc's `<sys/xattr.h>` (which Swift's Glibc module lacks;
/// `CBerthSys.h` includes it).
enum Xattr {
    /// Sets `name` on the file `fd` refers to; 0 or -1 with errno.
    static func set(fd: Int32, _ name: UnsafePointer<CChar>, _ value: UnsafeRawPointer?, _ size: Int) -> Int32 {
        fsetxattr(fd, name, value, size, 0)
    }

    /// Sets `name` on `base` inside the directory `dirFD`, not following a final symlink.
    static func set(dirFD: Int32, base: [CChar], _ name: UnsafePointer<CChar>, _ value: UnsafeRawPointer?, _ size: Int) -> Int32 {
        let path = Array("/proc/self/fd/\(dirFD)/".utf8CString.dropLast()) + base + [0]
        return lsetxattr(path, name, value, size, 0)
    }

    /// All extended attributes of `path` (not following a final symlink), name → value.
    static func list(_ path: [CChar]) -> [(name: [CChar], value: [UInt8])] {
        var size = llistxattr(path, nil, 0)
        guard size > 0 else { return [] }
        var names = [CChar](repeating: 0, count: size)
        size = llistxattr(path, &names, size)
        guard size > 0 else { return [] }
        var out: [(name: [CChar], value: [UInt8])] = []
        for raw in names[0..<size].split(separator: 0) {
            let name = Array(raw) + [0]
            let len = lgetxattr(path, name, nil, 0)
            guard len >= 0 else { continue }
            var value = [UInt8](repeating: 0, count: len)
            let got = len == 0 ? 0 : value.withUnsafeMutableBytes { lgetxattr(path, name, $0.baseAddress, len) }
            guard got >= 0 else { continue }
            out.append((Array(raw), Array(value[0..<got])))
        }
        return out.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }
}
