#if canImport(Glibc)
import Glibc
#endif

/// Extended attributes. Glibc's `<sys/xattr.h>` is not part of Swift's Glibc module, so the
/// functions are looked up once with dlsym (they are plain C functions of libc).
enum Xattr {
    private typealias LSet = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32
    private typealias FSet = @convention(c) (Int32, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32
    private typealias LList = @convention(c) (UnsafePointer<CChar>, UnsafeMutablePointer<CChar>?, Int) -> Int
    private typealias LGet = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int

    private struct Functions: @unchecked Sendable {
        let lset: LSet, fset: FSet, llist: LList, lget: LGet
    }

    private static let functions: Functions = {
        let handle = dlopen(nil, RTLD_NOW)
        func sym<T>(_ name: String, _: T.Type) -> T {
            guard let p = dlsym(handle, name) else { fatalError("libc has no \(name)") }
            return unsafeBitCast(p, to: T.self)
        }
        return Functions(lset: sym("lsetxattr", LSet.self), fset: sym("fsetxattr", FSet.self),
                         llist: sym("llistxattr", LList.self), lget: sym("lgetxattr", LGet.self))
    }()

    /// Sets `name` on the file `fd` refers to; 0 or -1 with errno.
    static func set(fd: Int32, _ name: UnsafePointer<CChar>, _ value: UnsafeRawPointer?, _ size: Int) -> Int32 {
        functions.fset(fd, name, value, size, 0)
    }

    /// Sets `name` on `base` inside the directory `dirFD`, not following a final symlink.
    static func set(dirFD: Int32, base: [CChar], _ name: UnsafePointer<CChar>, _ value: UnsafeRawPointer?, _ size: Int) -> Int32 {
        let path = Array("/proc/self/fd/\(dirFD)/".utf8CString.dropLast()) + base + [0]
        return functions.lset(path, name, value, size, 0)
    }

    /// All extended attributes of `path` (not following a final symlink), name → value.
    static func list(_ path: [CChar]) -> [(name: [CChar], value: [UInt8])] {
        var size = functions.llist(path, nil, 0)
        guard size > 0 else { return [] }
        var names = [CChar](repeating: 0, count: size)
        size = functions.llist(path, &names, size)
        guard size > 0 else { return [] }
        var out: [(name: [CChar], value: [UInt8])] = []
        for raw in names[0..<size].split(separator: 0) {
            let name = Array(raw) + [0]
            let len = functions.lget(path, name, nil, 0)
            guard len >= 0 else { continue }
            var value = [UInt8](repeating: 0, count: len)
            let got = len == 0 ? 0 : value.withUnsafeMutableBytes { functions.lget(path, name, $0.baseAddress, len) }
            guard got >= 0 else { continue }
            out.append((Array(raw), Array(value[0..<got])))
        }
        return out.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }
}
