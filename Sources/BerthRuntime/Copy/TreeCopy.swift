import BerthOS
import CBerthSys
#if canImport(Glibc)
import Glibc
#endif

/// Copies a file, link or directory tree between two directories given as descriptors, never
/// following a link: every entry is opened with `O_NOFOLLOW` relative to its parent's descriptor,
/// so a container that swaps a directory for a link while `berth cp` runs cannot redirect it.
/// Links are copied as links, regular files by content with their mode, directories with theirs;
/// devices, FIFOs and sockets are skipped. `owner` sets the owner of what is written (nil keeps
/// the caller's: root).
struct TreeCopy {
    var owner: (uid: uid_t, gid: gid_t)?
    /// `berth build`'s `.dockerignore`: paths (relative to the copy's source, `/`-separated) left
    /// out. With `walkExcluded`, an excluded directory is still walked (an exception below it may
    /// bring a file back); its excluded files are not copied.
    var exclude: ((String) -> Bool)? = nil
    var walkExcluded = false

    enum Kind { case file, directory, link, other }

    static func kind(_ st: stat) -> Kind {
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .link
        default: return .other
        }
    }

    /// `name` in `fromDir` → `toName` in `toDir`, replacing a file or link there (never a directory by a file).
    /// `path`: the entry's path for `exclude` (nil: not filtered).
    func copy(from fromDir: Int32, _ name: String, to toDir: Int32, _ toName: String, path: String? = nil) throws {
        var st = stat()
        guard fstatat(fromDir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { throw BerthError.errno("stat", name) }
        if let path, let exclude, exclude(path), !(walkExcluded && Self.kind(st) == .directory) { return }
        switch Self.kind(st) {
        case .file:
            let input = openat(fromDir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)
            guard input >= 0 else { throw BerthError.errno("open", name) }
            defer { close(input) }
            try removeNonDirectory(toDir, toName)
            let output = openat(toDir, toName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard output >= 0 else { throw BerthError.errno("create", toName) }
            defer { close(output) }
            try pump(input, output, name)
            try finish(output, st, toName)
        case .link:
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlinkat(fromDir, name, &buf, buf.count - 1)
            guard n >= 0 else { throw BerthError.errno("readlink", name) }
            buf[n] = 0
            try removeNonDirectory(toDir, toName)
            guard symlinkat(buf, toDir, toName) == 0 else { throw BerthError.errno("symlink", toName) }
            if let owner { _ = fchownat(toDir, toName, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) }
        case .directory:
            let source = openat(fromDir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard source >= 0 else { throw BerthError.errno("open", name) }
            defer { close(source) }
            if mkdirat(toDir, toName, 0o700) != 0 && errno != EEXIST { throw BerthError.errno("mkdir", toName) }
            let target = openat(toDir, toName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard target >= 0 else {
                throw errno == ENOTDIR || errno == ELOOP
                    ? BerthError.invalidArgument("cannot copy the directory \(name.quoted) onto the file \(toName.quoted)")
                    : BerthError.errno("open", toName)
            }
            defer { close(target) }
            try contents(of: source, into: target, path: path)
            try finish(target, st, toName)
        case .other:
            return
        }
    }

    /// Every entry of the directory `source` into the directory `target`. `path`: the source's
    /// path for `exclude` ("" for the copy's root; nil: not filtered).
    func contents(of source: Int32, into target: Int32, path: String? = nil) throws {
        for name in try Self.entries(source) {
            try copy(from: source, name, to: target, name, path: path.map { $0.isEmpty ? name : $0 + "/" + name })
        }
    }

    static func entries(_ dirFD: Int32) throws -> [String] {
        let fd = openat(dirFD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0, let dir = fdopendir(fd) else { if fd >= 0 { close(fd) }; throw BerthError.errno("read the directory") }
        defer { closedir(dir) }
        return FileIO.entryNames(of: dir).sorted()
    }

    private func removeNonDirectory(_ dir: Int32, _ name: String) throws {
        var st = stat()
        guard fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        if Self.kind(st) == .directory {
            throw BerthError.invalidArgument("cannot overwrite the directory \(name.quoted) with a file")
        }
        guard unlinkat(dir, name, 0) == 0 else { throw BerthError.errno("replace", name) }
    }

    private func pump(_ input: Int32, _ output: Int32, _ name: String) throws {
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(input, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw BerthError.errno("read", name) }
            if n == 0 { return }
            var off = 0
            while off < n {
                let w = buf[off..<n].withUnsafeBytes { write(output, $0.baseAddress, n - off) }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else { throw BerthError.errno("write", name) }
                off += w
            }
        }
    }

    /// Owner first (chown clears set-uid bits), then the source's mode.
    private func finish(_ fd: Int32, _ st: stat, _ name: String) throws {
        if let owner, fchown(fd, owner.uid, owner.gid) != 0 { throw BerthError.errno("chown", name) }
        guard fchmod(fd, st.st_mode & 0o7777) == 0 else { throw BerthError.errno("chmod", name) }
    }
}
