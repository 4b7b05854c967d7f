#if canImport(Glibc)
import BerthOS
import Glibc
#endif

/// A directory an image is read from (an OCI layout, an unpacked docker-archive, or the staging
/// copy of an image archive). Files are opened by walking from the directory's descriptor;
/// symlinks (docker save links duplicate layers) are followed only while they stay inside it.
final class SourceTree {
    let fd: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw BerthError.errno("open", path) }
    }

    deinit { close(fd) }

    /// Opens the regular file `relative` read-only; throws a one-line error naming it otherwise.
    func open(_ relative: String, what: String) throws -> Int32 {
        var pending = Self.split(relative).reversed() as [String]
        var resolved: [String] = []
        var dirs: [Int32] = [dup(fd)]
        defer { for d in dirs { close(d) } }
        var hops = 0
        func outside() -> BerthError { .invalidArgument("\(what) \(relative.quoted) points outside \(path)") }
        while let c = pending.popLast() {
            if c == "." { continue }
            if c == ".." {
                guard !resolved.isEmpty else { throw outside() }
                resolved.removeLast()
                close(dirs.removeLast())
                continue
            }
            let here = dirs[dirs.count - 1]
            var st = stat()
            guard fstatat(here, c, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
                throw BerthError.invalidArgument("\(what) \(relative.quoted) is missing from \(path)")
            }
            switch st.st_mode & S_IFMT {
            case S_IFLNK:
                hops += 1
                guard hops <= 40 else { throw BerthError.invalidArgument("\(what) \(relative.quoted): too many symlinks") }
                var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let n = readlinkat(here, c, &buf, buf.count - 1)
                guard n > 0 else { throw BerthError.errno("readlink", relative) }
                let target = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                guard !target.hasPrefix("/") else { throw outside() }
                pending.append(contentsOf: Self.split(target).reversed())
            case S_IFDIR:
                guard !pending.isEmpty else { throw BerthError.invalidArgument("\(what) \(relative.quoted) is a directory") }
                let sub = openat(here, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard sub >= 0 else { throw BerthError.errno("open", relative) }
                dirs.append(sub)
                resolved.append(c)
            case S_IFREG:
                guard pending.isEmpty else { throw BerthError.invalidArgument("\(what) \(relative.quoted): \(c.quoted) is not a directory") }
                let file = openat(here, c, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
                guard file >= 0 else { throw BerthError.errno("open", relative) }
                return file
            default:
                throw BerthError.invalidArgument("\(what) \(relative.quoted) is not a regular file")
            }
        }
        throw BerthError.invalidArgument("\(what) \(relative.quoted) is not a file")
    }

    /// A small file's bytes (manifests, configs), at most `limit` of them.
    func read(_ relative: String, what: String, limit: Int = 16 << 20) throws -> [UInt8] {
        let file = try open(relative, what: what)
        defer { close(file) }
        var st = stat()
        fstat(file, &st)
        guard st.st_size <= limit else { throw BerthError.invalidArgument("\(what) \(relative.quoted) is too large (\(st.st_size) bytes)") }
        var out = [UInt8](repeating: 0, count: Int(st.st_size))
        var done = 0
        while done < out.count {
            let n = out[done...].withUnsafeMutableBytes { Glibc.read(file, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw BerthError.errno("read", relative) }
            done += n
        }
        return out
    }

    func exists(_ relative: String) -> Bool {
        var st = stat()
        return fstatat(fd, relative, &st, AT_SYMLINK_NOFOLLOW) == 0
    }

    static func split(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
}
