import BerthOS
import BerthRuntime
import Glibc

/// `:save PATH`: the logs pane's lines written to a file of the user's. The path is the user's
/// own (no container root to stay inside), but the file is made new (O_EXCL) unless `:save!`
/// asked to overwrite, never through a symlink at the path (O_NOFOLLOW), and readable by its
/// owner only (0600: a log may hold secrets).
enum LogsExport {
    /// Lines as `berth logs` prints them: the text, optionally after its RFC 3339 time, a newline
    /// after each complete line. Returns the number of lines written.
    static func save(to path: String, overwrite: Bool, timestamps: Bool,
                     lines: ((LogLine) -> Void) -> Void) throws -> Int {
        let fd = try create(path, overwrite: overwrite)
        defer { close(fd) }
        var buffer: [UInt8] = []
        var count = 0
        var failure: Int32 = 0
        lines { line in
            guard failure == 0 else { return }
            if timestamps {
                buffer.append(contentsOf: Timestamp(unixNanoseconds: line.timestampNanos).rfc3339.utf8)
                buffer.append(0x20)
            }
            buffer.append(contentsOf: line.text.utf8)
            if line.complete { buffer.append(0x0a) }
            count += 1
            if buffer.count >= 1 << 20 { failure = flush(&buffer, to: fd) }
        }
        if failure == 0 { failure = flush(&buffer, to: fd) }
        if failure != 0 { throw LogsExportError.writeFailed(path: path, errno: failure) }
        return count
    }

    /// Opens `path` for writing, a new file unless `overwrite`; refuses a symlink and anything but
    /// a regular file (O_NONBLOCK so a FIFO at the path cannot hang the sampler thread).
    static func create(_ path: String, overwrite: Bool) throws -> Int32 {
        guard !path.isEmpty else { throw LogsExportError.noPath }
        let flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (overwrite ? 0 : O_EXCL)
        let fd = open(path, flags, 0o600)
        guard fd >= 0 else {
            let e = errno
            var st = stat()
            if e == ELOOP || e == EEXIST && lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFLNK {
                throw LogsExportError.symlink(path: path)
            }
            if e == EEXIST { throw LogsExportError.exists(path: path) }
            throw LogsExportError.cannotOpen(path: path, errno: e)
        }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw LogsExportError.notAFile(path: path)
        }
        guard ftruncate(fd, 0) == 0 else {
            let e = errno
            close(fd)
            throw LogsExportError.cannotOpen(path: path, errno: e)
        }
        return fd
    }

    /// Writes and empties `buffer`; returns the errno of a failed write, else 0.
    private static func flush(_ buffer: inout [UInt8], to fd: Int32) -> Int32 {
        defer { buffer.removeAll(keepingCapacity: true) }
        return buffer.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return n < 0 ? errno : EIO }
                off += n
            }
            return 0
        }
    }
}

public enum LogsExportError: Error, Equatable, CustomStringConvertible {
    case noPath
    case exists(path: String)
    case symlink(path: String)
    case notAFile(path: String)
    case cannotOpen(path: String, errno: Int32)
    case writeFailed(path: String, errno: Int32)
    case noFile

    public var description: String {
        switch self {
        case .noPath: return "usage: :save PATH (:save! PATH overwrites)"
        case .exists(let p): return "\(Quoted.escapeControls(p)) exists: :save! \(Quoted.escapeControls(p)) overwrites it"
        case .symlink(let p): return "\(Quoted.escapeControls(p)) is a symlink: not followed, nothing saved"
        case .notAFile(let p): return "\(Quoted.escapeControls(p)) is not a regular file: nothing saved"
        case .cannotOpen(let p, let e): return "cannot write \(Quoted.escapeControls(p)): \(String(cString: strerror(e)))"
        case .writeFailed(let p, let e): return "writing \(Quoted.escapeControls(p)) failed: \(String(cString: strerror(e))) (the file is incomplete)"
        case .noFile: return "only one container's own log can be saved (select a container, not a service heading)"
        }
    }
}
