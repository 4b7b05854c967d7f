import BerthOS
import CBerthSys
#if canImport(Glibc)
import Glibc
#endif

/// The host side of a bind mount, checked (and for `-v` created) when the container is created.
///
/// A source is the path the user named, and only that: it is walked from `/` one component at a
/// time with `O_NOFOLLOW`, and a symlink anywhere on it is refused with the real path to name
/// instead. Otherwise a directory a container could write to (an earlier bind) could hold a link
/// to `/etc` that a later `-v /that/dir/link:/x` would mount. The shim opens the same path again
/// at every start with `RESOLVE_NO_SYMLINKS` and mounts the descriptor, so a link swapped in
/// between create and start is refused too. Differs from docker, which follows the links.
public enum BindSource {
    /// The lexically clean path, after checking it names no symlink (and creating what is missing
    /// when `create`, as `-v` does, with 0755 directories owned by root, as docker makes them).
    public static func prepare(_ path: String, create: Bool) throws(BerthError) -> String {
        let clean = MountTarget.clean(path)
        guard path.hasPrefix("/") else {
            throw .invalidArgument("invalid bind source \(path.quoted): it must be an absolute path")
        }
        var fd = open("/", berth_o_path() | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno("open", "/") }
        defer { close(fd) }
        var walked = ""
        for component in clean.split(separator: "/").map(String.init) {
            walked += "/" + component
            var next = openat(fd, component, berth_o_path() | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT {
                guard create else {
                    throw .invalidArgument("bind source path does not exist: \(clean.quoted)")
                }
                if mkdirat(fd, component, 0o755) != 0 && errno != EEXIST { throw .errno("create the bind source", walked) }
                next = openat(fd, component, berth_o_path() | O_NOFOLLOW | O_CLOEXEC)
            }
            guard next >= 0 else { throw .errno("open the bind source", walked) }
            var st = stat()
            guard fstat(next, &st) == 0 else { close(next); throw .errno("stat the bind source", walked) }
            if (st.st_mode & S_IFMT) == S_IFLNK {
                close(next)
                let rest = clean.dropFirst(walked.count)
                let real = realPath(walked).map { "; name the real path \(($0 + rest).quoted)" } ?? ""
                throw .invalidArgument("bind source \(clean.quoted) passes through the symlink \(walked.quoted), which Berth does not follow\(real)")
            }
            close(fd)
            fd = next
        }
        return clean
    }

    /// The canonical path (every symlink resolved), or nil when it does not resolve.
    public static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
