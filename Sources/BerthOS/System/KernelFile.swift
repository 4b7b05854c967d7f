import Glibc

/// Reads and writes the small files of procfs, sysfs and cgroupfs with plain syscalls.
/// Their size is unknown until read (stat reports 0 or 4096), and cgroupfs rejects the temp-file-and-rename
/// that Foundation's atomic write does, so: open, one write, close.
public enum KernelFile {
    /// The whole file as text; throws naming the file and errno.
    static func read(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BerthError.system(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw BerthError.system(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The file's text, or nil when it cannot be read (absent controller, vanished process).
    static func readIfPresent(_ path: String) -> String? {
        try? read(path)
    }

    /// Writes `value` with a single write(2), as cgroupfs expects one value per write.
    /// Errors read like "write /sys/fs/cgroup/memory/x/memory.limit_in_bytes: Invalid argument".
    static func write(_ value: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BerthError.system(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        var text = value
        let result: Int = text.withUTF8 { buf in
            while true {
                let n = Glibc.write(fd, buf.baseAddress, buf.count)
                if n < 0, errno == EINTR { continue }
                return n
            }
        }
        if result < 0 { throw BerthError.system(operation: "write", path: path, errno: errno) }
        if result != text.utf8.count { throw BerthError.system(operation: "write", path: path, errno: EIO) }
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
