import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Copies a directory tree exactly: modes, owners, symlinks (never followed), hard links,
/// device nodes, fifos and times. Used to import a root filesystem directory as a layer.
struct TreeCopier {
    private var links: [Inode: String] = [:]
    private(set) var bytesCopied: UInt64 = 0

    private struct Inode: Hashable { let dev: UInt64; let ino: UInt64 }

    mutating func copy(from source: String, to destination: String) throws {
        var st = stat()
        guard lstat(source, &st) == 0 else { throw BerthError.errno("stat", source) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw BerthError.invalidArgument("\(source) is not a directory") }
        try copyEntry(source, destination, st)
    }

    private mutating func copyEntry(_ src: String, _ dst: String, _ st: stat) throws {
        let type = st.st_mode & S_IFMT
        let perm = st.st_mode & 0o7777
        if type != S_IFDIR && st.st_nlink > 1 {
            let key = Inode(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
            if let first = links[key] {
                guard link(first, dst) == 0 else { throw BerthError.errno("link", dst) }
                return
            }
            links[key] = dst
        }
        switch type {
        case S_IFDIR:
            if mkdir(dst, 0o700) != 0 && errno != EEXIST { throw BerthError.errno("mkdir", dst) }
            guard let dir = opendir(src) else { throw BerthError.errno("opendir", src) }
            var names: [String] = []
            while let ent = readdir(dir) {
                let name = withUnsafePointer(to: ent.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(dir)
            for name in names.sorted() {
                var child = stat()
                guard lstat(src + "/" + name, &child) == 0 else { throw BerthError.errno("stat", src + "/" + name) }
                try copyEntry(src + "/" + name, dst + "/" + name, child)
            }
        case S_IFREG:
            try copyFile(src, dst, perm)
        case S_IFLNK:
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(src, &buf, buf.count - 1)
            guard n >= 0 else { throw BerthError.errno("readlink", src) }
            buf[n] = 0
            guard symlink(buf, dst) == 0 else { throw BerthError.errno("symlink", dst) }
        case S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK:
            guard mknod(dst, st.st_mode, st.st_rdev) == 0 else { throw BerthError.errno("mknod", dst) }
        default:
            throw BerthError.invalidArgument("\(src): unsupported file type")
        }
        guard lchown(dst, st.st_uid, st.st_gid) == 0 else { throw BerthError.errno("chown", dst) }
        if type != S_IFLNK { guard chmod(dst, perm) == 0 else { throw BerthError.errno("chmod", dst) } }
        var times = [st.st_atim, st.st_mtim]
        utimensat(AT_FDCWD, dst, &times, AT_SYMLINK_NOFOLLOW)
    }

    private mutating func copyFile(_ src: String, _ dst: String, _ perm: mode_t) throws {
        let inFD = open(src, O_RDONLY | O_CLOEXEC)
        guard inFD >= 0 else { throw BerthError.errno("open", src) }
        defer { close(inFD) }
        let outFD = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard outFD >= 0 else { throw BerthError.errno("create", dst) }
        defer { close(outFD) }
        while true {
            let n = berth_copy_file_range(inFD, outFD, 1 << 30)
            if n > 0 { bytesCopied += UInt64(n); continue }
            if n == 0 { return }
            if errno == EINTR { continue }
            break
        }
        // copy_file_range is refused across some filesystems; fall back to read/write.
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(inFD, &buf, buf.count)
            if n == 0 { return }
            if n < 0 { if errno == EINTR { continue }; throw BerthError.errno("read", src) }
            var off = 0
            while off < n {
                let w = buf[off..<n].withUnsafeBytes { write(outFD, $0.baseAddress, $0.count) }
                if w < 0 { if errno == EINTR { continue }; throw BerthError.errno("write", dst) }
                off += w
            }
            bytesCopied += UInt64(n)
        }
    }
}
