import CBerthSys
#if canImport(Glibc)
import Glibc
#endif

/// Files of an image layer or a running container's root, looked up *inside* that root.
///
/// An image is hostile: its `/etc` may be a symlink to `/etc`, `../../..` or `/proc/self/root`.
/// Resolved through the host's root, such a path would make Berth read (or write) the host's
/// files. Every lookup here goes through `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)` on a
/// descriptor of the root, so symlinks and `..` are clamped at it — the same rule the shim uses
/// for mount targets (`berth-shim/rooted.c`).
public enum InRoot {
    /// The contents of the regular file at `path` inside `root`, or nil when it is missing, is not
    /// a regular file (a FIFO or a device is never opened for reading), or exceeds `limit` bytes.
    /// `root` is a directory Berth trusts: a layer directory or `/proc/PID/root`.
    public static func readFile(root: String, path: String, limit: Int = 16 << 20) -> [UInt8]? {
        let rootFD = open(root, berth_o_path() | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return nil }
        defer { close(rootFD) }
        // berth_o_path() first: nothing is opened for reading until it is known to be a regular file.
        let pathFD = berth_open_in_root(rootFD, path, berth_o_path())
        guard pathFD >= 0 else { return nil }
        defer { close(pathFD) }
        var st = stat()
        guard fstat(pathFD, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) <= limit else { return nil }
        let fd = open("/proc/self/fd/\(pathFD)", O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return FileIO.readAll(fd: fd, limit: limit)
    }

    /// Whether `path` names anything inside `root` (symlinks followed inside it).
    public static func exists(root: String, path: String) -> Bool {
        let rootFD = open(root, berth_o_path() | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return false }
        defer { close(rootFD) }
        let fd = berth_open_in_root(rootFD, path, berth_o_path())
        if fd >= 0 { close(fd) }
        return fd >= 0
    }
}
