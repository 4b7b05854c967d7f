import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads the end of a log file backwards in blocks, so the last lines of a huge log cost
/// as much as the lines themselves.
public enum LogTail {
    public static func lastLines(path: String, count: Int) -> [Substring] {
        guard count > 0 else { return [] }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return [] }
        var end = Int64(st.st_size)
        var chunk = [UInt8]()
        let block: Int64 = 64 * 1024
        var newlines = 0
        while end > 0 {
            let start = max(0, end - block)
            var buf = [UInt8](repeating: 0, count: Int(end - start))
            let n = pread(fd, &buf, buf.count, off_t(start))
            guard n == buf.count else { break }
            newlines += buf.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            chunk = buf + chunk
            end = start
            if newlines > count { break }
        }
        let text = String(decoding: chunk, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        if end > 0, !lines.isEmpty { lines.removeFirst() } // the first one may be cut
        return Array(lines.suffix(count))
    }
}

/// Follows a log file from an offset: returns complete lines as they are appended.
public final class LogFollower {
    private let fd: Int32
    private var pending = [UInt8]()
    public private(set) var offset: Int64

    public init?(path: String, fromEnd: Bool = false) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var st = stat()
        fstat(fd, &st)
        offset = fromEnd ? Int64(st.st_size) : 0
    }

    deinit { close(fd) }

    /// Lines appended since the last call.
    public func poll() -> [String] {
        var buf = [UInt8](repeating: 0, count: 64 * 1024)
        var out: [String] = []
        while true {
            let n = pread(fd, &buf, buf.count, off_t(offset))
            guard n > 0 else { break }
            offset += Int64(n)
            var start = 0
            for i in 0..<n where buf[i] == 10 {
                pending.append(contentsOf: buf[start..<i])
                out.append(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
                start = i + 1
            }
            pending.append(contentsOf: buf[start..<n])
            if n < buf.count { break }
        }
        return out
    }
}
