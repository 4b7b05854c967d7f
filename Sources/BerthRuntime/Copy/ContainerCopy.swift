import BerthOS
import CBerthSys
#if canImport(Glibc)
import Glibc
#endif

/// `berth cp` with docker's rules, between the host and a running container's root (its init's
/// `/proc/PID/root`, so its volumes and binds are seen as the container sees them).
///
/// Container paths are resolved inside that root (`openat2(RESOLVE_IN_ROOT)`: `..` and links stop
/// at it); the last component of the source is not followed (a link is copied as a link), and
/// everything below is walked by `TreeCopy` without following links. docker's rules:
/// - a file onto a missing path creates it (its parent must exist; a path ending in `/` must be
///   an existing directory); onto a file replaces it; onto a directory goes inside it;
/// - a directory onto a missing path becomes that path; onto a directory goes inside it as its
///   own name, or, when the source ends in `/.`, only its contents; onto a file is an error.
enum ContainerCopy {
    /// One side of a copy: the descriptor of the root paths are resolved in (host: `/`).
    struct Side {
        var root: Int32
        var inContainer: Bool

        func open(_ path: String, _ flags: Int32) -> Int32 {
            inContainer ? berth_open_in_root(root, path, flags) : openat(root, path, flags | O_CLOEXEC)
        }
    }

    static func copy(from src: Side, _ srcPath: String, to dst: Side, _ dstPath: String, owner: (uid_t, gid_t)?) throws {
        let contentsOnly = srcPath.hasSuffix("/.")
        let (srcDirPath, srcName) = split(srcPath)
        let srcDir = src.open(srcDirPath, berth_o_path() | O_DIRECTORY)
        guard srcDir >= 0 else { throw BerthError.errno("open", srcDirPath) }
        defer { close(srcDir) }
        var st = stat()
        guard fstatat(srcDir, srcName, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw errno == ENOENT ? BerthError.invalidArgument("no such file or directory: \(srcPath.quoted)") : BerthError.errno("stat", srcPath)
        }
        let srcIsDir = TreeCopy.kind(st) == .directory
        if contentsOnly && !srcIsDir { throw BerthError.invalidArgument("\(srcPath.quoted) is not a directory") }
        let tree = TreeCopy(owner: owner.map { (uid: $0.0, gid: $0.1) })

        // The destination: an existing directory (copy inside), or a name in an existing parent.
        let dstDir = dst.open(dstPath.isEmpty ? "." : dstPath, berth_o_path() | O_DIRECTORY)
        if dstDir >= 0 {
            defer { close(dstDir) }
            if srcIsDir && contentsOnly {
                let s = openat(srcDir, srcName, berth_o_path() | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard s >= 0 else { throw BerthError.errno("open", srcPath) }
                defer { close(s) }
                try tree.contents(of: s, into: dstDir)
            } else {
                try tree.copy(from: srcDir, srcName, to: dstDir, srcName == "." ? "copy" : srcName)
            }
            return
        }
        guard errno == ENOENT || errno == ENOTDIR else { throw BerthError.errno("open", dstPath) }
        if dstPath.hasSuffix("/") {
            throw BerthError.invalidArgument("destination directory \(dstPath.quoted) does not exist")
        }
        let (dstParentPath, dstName) = split(dstPath)
        let dstParent = dst.open(dstParentPath, berth_o_path() | O_DIRECTORY)
        guard dstParent >= 0 else {
            throw errno == ENOENT ? BerthError.invalidArgument("the parent directory of \(dstPath.quoted) does not exist") : BerthError.errno("open", dstParentPath)
        }
        defer { close(dstParent) }
        var dstSt = stat()
        if srcIsDir && fstatat(dstParent, dstName, &dstSt, AT_SYMLINK_NOFOLLOW) == 0 {
            throw BerthError.invalidArgument("cannot copy a directory to the file \(dstPath.quoted)")
        }
        try tree.copy(from: srcDir, srcName, to: dstParent, dstName)
    }

    /// "a/b/c" → ("a/b", "c"); "c" → (".", "c"); "/c" → ("/", "c"); "a/b/." → ("a", "b"); "/" → ("/", ".").
    static func split(_ path: String) -> (String, String) {
        var p = path
        if p.hasSuffix("/.") { p.removeLast(2) }
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        if p.isEmpty || p == "/" { return ("/", ".") }
        guard let slash = p.lastIndex(of: "/") else { return (".", p) }
        let dir = String(p[..<slash])
        return (dir.isEmpty ? "/" : dir, String(p[p.index(after: slash)...]))
    }
}
