import CBerthSys
#if canImport(Glibc)
import Glibc
#endif

/// Files of an image as its container will see them, read from the image's layer directories
/// without mounting the overlay: the topmost entry wins, an overlay whiteout (a 0:0 character
/// device) hides what lies below it, an opaque directory (`trusted.overlay.opaque=y`) hides the
/// lower layers' content of that directory, and a symlink in one layer may lead into another.
///
/// Reading each layer on its own (as a lookup of `/etc/passwd` once did) gets all three wrong: a
/// user deleted in an upper layer comes back from a lower one. Layers are hostile like the rest of
/// an image: every component is opened with `O_NOFOLLOW` below a layer's descriptor; symlinks are
/// resolved here, by path, against the merged root (absolute ones restart at it, `..` stops at
/// it), so nothing is ever looked up through the host's root.
public struct LayeredRoot: Sendable {
    /// Layer directories, topmost first.
    public let layers: [String]
    /// As Linux's MAXSYMLINKS: a loop of links ends the lookup.
    static let maxSymlinks = 40

    public init(topmostFirst layers: [String]) { self.layers = layers }

    /// The regular file at `path` in the merged root, or nil when it is missing, hidden, not a
    /// regular file, or larger than `limit` bytes.
    public func readFile(_ path: String, limit: Int = 16 << 20) -> [UInt8]? {
        guard let (dirFD, name) = locate(path) else { return nil }
        defer { close(dirFD) }
        let fileFD = openat(dirFD, name, berth_o_path() | O_NOFOLLOW | O_CLOEXEC)
        guard fileFD >= 0 else { return nil }
        defer { close(fileFD) }
        var st = stat()
        guard fstat(fileFD, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) <= limit else { return nil }
        // Reopened through /proc only now that it is known to be a regular file (never a FIFO).
        let fd = open("/proc/self/fd/\(fileFD)", O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return FileIO.readAll(fd: fd, limit: limit)
    }

    /// What one name in a merged directory turned out to be.
    private enum Entry {
        case missing
        /// The name's directories in the layers that contribute to it, topmost first.
        case directory([Int32])
        case symlink(String)
        /// Anything else, found in the directory open as this descriptor.
        case other(Int32)
    }

    /// The directory (a descriptor in the topmost layer holding the entry) and name of the final
    /// component of `path`, once every directory and symlink on the way is resolved; nil when a
    /// component is missing, hidden or not a directory.
    private func locate(_ path: String) -> (Int32, String)? {
        // One list of layer directories per level of the resolved path: the root's, then each
        // directory's. `..` pops a level; an absolute symlink goes back to the first.
        var levels: [[Int32]] = [layers.compactMap { dir in
            let fd = open(dir, berth_o_path() | O_DIRECTORY | O_CLOEXEC)
            return fd >= 0 ? fd : nil
        }]
        defer { for level in levels { for fd in level { close(fd) } } }
        var pending = Self.components(path)
        var links = 0
        while !pending.isEmpty {
            let name = pending.removeFirst()
            if name == ".." {
                if levels.count > 1 { for fd in levels.removeLast() { close(fd) } }
                continue
            }
            switch Self.lookUp(name, in: levels[levels.count - 1]) {
            case .missing:
                return nil
            case .directory(let fds):
                levels.append(fds)
            case .symlink(let target):
                links += 1
                guard links <= Self.maxSymlinks else { return nil }
                if target.hasPrefix("/") {
                    while levels.count > 1 { for fd in levels.removeLast() { close(fd) } }
                }
                pending = Self.components(target) + pending
            case .other(let dirFD):
                guard pending.isEmpty else { return nil } // a file used as a directory
                let dup = fcntl(dirFD, F_DUPFD_CLOEXEC, 0)
                return dup >= 0 ? (dup, name) : nil
            }
        }
        return nil // the path named a directory (or the root)
    }

    /// Whether `name` is visible in a merged directory whose layers' directories are `dirs`
    /// (topmost first), and, when it is a directory, its directories in those layers (new
    /// descriptors, which the caller closes): what `berth diff` compares a changed path against.
    public static func visible(_ name: String, in dirs: [Int32]) -> (exists: Bool, directories: [Int32]) {
        switch lookUp(name, in: dirs) {
        case .missing: return (false, [])
        case .directory(let fds): return (true, fds)
        case .symlink, .other: return (true, [])
        }
    }

    /// `name` in a merged directory whose layers' directories are `dirs`, topmost first.
    private static func lookUp(_ name: String, in dirs: [Int32]) -> Entry {
        var found: [Int32] = []
        for dir in dirs {
            var st = stat()
            guard fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            let type = st.st_mode & S_IFMT
            // A whiteout hides the name in every lower layer; under a directory already found it
            // ends that directory's lower layers the same way.
            if type == S_IFCHR && st.st_rdev == 0 { break }
            if type != S_IFDIR {
                // The topmost non-directory is the entry; below a directory it is hidden.
                guard found.isEmpty else { break }
                if type == S_IFLNK { return readLink(dir, name).map(Entry.symlink) ?? .missing }
                return .other(dir)
            }
            let fd = openat(dir, name, berth_o_path() | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { break }
            found.append(fd)
            if isOpaque(fd) { break }
        }
        return found.isEmpty ? .missing : .directory(found)
    }

    private static func readLink(_ dir: Int32, _ name: String) -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(dir, name, &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// fgetxattr does not take an O_PATH descriptor; its /proc/self/fd link does.
    public static func isOpaque(_ fd: Int32) -> Bool {
        var value: [UInt8] = [0, 0]
        let n = getxattr("/proc/self/fd/\(fd)", "trusted.overlay.opaque", &value, value.count)
        return n == 1 && value[0] == UInt8(ascii: "y")
    }

    /// The names of `path` without empty and `.` components.
    static func components(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init).filter { $0 != "." }
    }
}
