import Glibc
import SystemPackage

/// Reads and writes the small files of procfs, sysfs and cgroupfs with plain syscalls (swift-system's
/// `FileDescriptor`).
/// Their size is unknown until read (stat reports 0 or 4096), and cgroupfs rejects the temp-file-and-rename
/// that Foundation's atomic write does, so: open, one write, close.
public enum KernelFile {
    /// The whole file as text; throws naming the file and errno.
    static func read(_ path: String) throws -> String {
        let fd = try open(path, .readOnly)
        defer { try? fd.close() }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = try call("read", path) { try chunk.withUnsafeMutableBytes { try fd.read(into: $0) } }
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
        let fd = try open(path, .writeOnly)
        defer { try? fd.close() }
        var text = value
        let n = try call("write", path) { try text.withUTF8 { try fd.write(UnsafeRawBufferPointer($0)) } }
        if n != text.utf8.count { throw BerthError.system(operation: "write", path: path, errno: EIO) }
    }

    private static func open(_ path: String, _ mode: FileDescriptor.AccessMode) throws(BerthError) -> FileDescriptor {
        try call("open", path) { try FileDescriptor.open(FilePath(path), mode, options: .closeOnExec) }
    }

    /// One swift-system call (which retries EINTR itself), its `Errno` turned into the error naming
    /// the system call and the file.
    private static func call<T>(_ operation: String, _ path: String, _ body: () throws -> T) throws(BerthError) -> T {
        do { return try body() } catch let e as Errno {
            throw .system(operation: operation, path: path, errno: e.rawValue)
        } catch {
            throw .system(operation: operation, path: path, errno: EIO)
        }
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
