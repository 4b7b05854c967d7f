import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Small file helpers over raw syscalls: cheaper than Foundation on hot paths, and explicit about errors.
public enum FileIO {
    /// Writes to `path.tmp` then renames over `path`, so readers see the old or the new file.
    public static func writeAtomically(_ path: String, bytes: [UInt8], mode: mode_t = 0o644) throws {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw BerthError.errno("create", tmp) }
        do { try writeAll(fd: fd, bytes, path: tmp) } catch { close(fd); unlink(tmp); throw error }
        close(fd)
        guard rename(tmp, path) == 0 else { let e = errno; unlink(tmp); throw BerthError.errno("rename", path, e) }
    }

    /// Writes all of `bytes` to `fd` (short writes and EINTR retried); `path` names it in errors.
    public static func writeAll(fd: Int32, _ bytes: [UInt8], path: String) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw BerthError.errno("write", path, errno) }
            off += n
        }
    }

    public static func writeAtomically(_ path: String, string: String) throws {
        try writeAtomically(path, bytes: Array(string.utf8))
    }

    /// Creates or truncates `path` and writes `string` in place, ignoring every failure: for markers
    /// whose existence matters more than their content, on paths (stop, kill, rm) that must work on
    /// a full filesystem. Returns whether the whole content was written.
    @discardableResult
    public static func writeBestEffort(_ path: String, string: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let bytes = Array(string.utf8)
        if bytes.isEmpty { return true }
        return bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count
    }

    /// The whole file, or nil when it does not exist (or vanished). `followLink: false` for
    /// Berth's own state files: a symlink in their place is not read through.
    public static func read(_ path: String, followLink: Bool = true) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | (followLink ? 0 : O_NOFOLLOW))
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return readAll(fd: fd)
    }

    /// Everything left to read from `fd`; nil when it holds more than `limit` bytes (reading stops
    /// there, so a huge or endless file costs no more than the limit).
    public static func readAll(fd: Int32, limit: Int = .max) -> [UInt8]? {
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 16384)
        while out.count <= limit {
            let n = Glibc.read(fd, &buf, buf.count)
            if n > 0 { out.append(contentsOf: buf[0..<n]); continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        return out.count <= limit ? out : nil
    }

    public static func readString(_ path: String) -> String? {
        read(path).map { String(decoding: $0, as: UTF8.self) }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func mkdirs(_ path: String, mode: mode_t = 0o755) throws {
        var current = ""
        for comp in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/" + comp
            if mkdir(current, mode) != 0 && errno != EEXIST { throw BerthError.errno("mkdir", current) }
        }
    }

    /// The names in a directory, without `.` and `..`; empty when it cannot be read (or vanished).
    public static func entryNames(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        return entryNames(of: dir)
    }

    /// The names left to read from an open directory stream, without `.` and `..` (for a
    /// directory opened by descriptor, `fdopendir`).
    public static func entryNames(of dir: OpaquePointer) -> [String] {
        var names: [String] = []
        while let ent = readdir(dir) {
            let name = withUnsafePointer(to: ent.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a tree without following symlinks; missing is fine.
    public static func removeTree(_ path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw BerthError.errno("stat", path)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for n in entryNames(path) { try removeTree(path + "/" + n) }
            if rmdir(path) != 0 && errno != ENOENT { throw BerthError.errno("rmdir", path) }
        } else if unlink(path) != 0 && errno != ENOENT {
            throw BerthError.errno("unlink", path)
        }
    }
}

/// An exclusive advisory lock held for the lifetime of the value's scope (flock on a lock file).
public final class FileLock {
    private let fd: Int32

    init(_ path: String) throws {
        // Lock files are Berth's own: never opened through a symlink planted in their place.
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw BerthError.errno("open lock", path) }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let e = errno; close(fd); throw BerthError.errno("lock", path, e)
        }
    }

    deinit { close(fd) }

    public static func with<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let lock = try FileLock(path)
        defer { withExtendedLifetime(lock) {} }
        return try body()
    }
}
