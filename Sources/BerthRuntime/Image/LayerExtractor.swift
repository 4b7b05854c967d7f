import BerthOS
import CArchive
#if canImport(Glibc)
import Glibc
#endif

/// Unpacks a tar stream into a directory, treating every entry as hostile.
///
/// Safety rules (docs/images.md): a path that is absolute or holds `..` is refused; parent
/// directories are walked one component at a time with `openat(O_NOFOLLOW|O_DIRECTORY)` from
/// the layer's own directory descriptor, so extraction never passes through a symlink (an entry
/// below a symlink is refused, wherever the symlink points); a hard link's target is looked up
/// the same way and must already be in this layer; a whiteout must name a plain entry of its
/// own directory. Overlay's own xattrs (`trusted.overlay.*`) are never taken from the archive.
/// Every refusal is one line naming the entry.
final class LayerExtractor {
    struct Options {
        /// Translate OCI whiteouts (`.wh.NAME`, `.wh..wh..opq`) into overlayfs ones.
        var whiteouts = true
        /// Apply owners and extended attributes (off for staging an outer image archive).
        var ownership = true
    }

    private let rootFD: Int32
    private let label: String
    private let options: Options
    /// The last parent directory walked: entries come grouped by directory, so this saves most walks.
    private var cachedPath: [[CChar]] = []
    private var cachedFD: Int32 = -1
    /// Directory times are set at the end, after their children stopped changing them.
    private var directoryTimes: [(path: [[CChar]], times: [timespec])] = []
    private(set) var fileBytes: UInt64 = 0
    private(set) var entryCount = 0
    private var entryName = ""

    private static let opaqueXattr = "trusted.overlay.opaque"
    private static let whiteoutPrefix = Array(".wh.".utf8CString.dropLast())
    private static let metaPrefix = Array(".wh..wh.".utf8CString.dropLast())
    private static let opaqueMarker = Array(".wh..wh..opq".utf8CString.dropLast())

    /// `rootFD`: an open directory (kept open by the caller). `label` names the layer in errors.
    init(rootFD: Int32, label: String, options: Options = Options()) {
        self.rootFD = rootFD
        self.label = label
        self.options = options
    }

    deinit { dropCache() }

    private func fail(_ reason: String) -> BerthError {
        .invalidArgument("\(Quoted.escapeControls(label)): entry \(entryName.quoted): \(reason)")
    }

    /// Extracts every entry of `stream`'s tar reader.
    func extract(_ stream: TarStream) throws {
        let a = stream.tar
        var entry: OpaquePointer?
        while true {
            entryName = ""
            let r = archive_read_next_header(a, &entry)
            if r == ARCHIVE_EOF { break }
            if r != ARCHIVE_OK && r != ARCHIVE_WARN {
                entryName = "(after \(entryCount) entries)"
                throw fail("truncated or corrupt archive: \(stream.error(a))")
            }
            guard let entry, let rawPath = archive_entry_pathname(entry) else {
                throw fail("entry without a path")
            }
            entryName = String(decoding: UnsafeRawBufferPointer(start: rawPath, count: strlen(rawPath)), as: UTF8.self)
            entryCount += 1
            try extractEntry(entry, stream: stream, path: rawPath)
        }
        try applyDirectoryTimes()
    }

    // MARK: - Paths

    /// The path's components, without `.` and empty ones; refuses absolute paths and `..`.
    static func components(_ path: UnsafePointer<CChar>) -> (components: [[CChar]], error: String?) {
        if path[0] == 0x2F { return ([], "absolute path") }
        var out: [[CChar]] = []
        var current: [CChar] = []
        var i = 0
        func flush() -> String? {
            defer { current.removeAll(keepingCapacity: true) }
            if current.isEmpty || current == [0x2E] { return nil }
            if current == [0x2E, 0x2E] { return "path contains '..'" }
            out.append(current)
            return nil
        }
        while path[i] != 0 {
            if path[i] == 0x2F {
                if let e = flush() { return ([], e) }
            } else {
                current.append(path[i])
            }
            i += 1
        }
        if let e = flush() { return ([], e) }
        return (out, nil)
    }

    private func dropCache() {
        if cachedFD >= 0 { close(cachedFD) }
        cachedFD = -1
        cachedPath = []
    }

    /// An open descriptor of the directory `path` (relative to the layer), walking one component
    /// at a time without following symlinks; missing directories are created when `create`.
    /// The descriptor belongs to the cache: do not close it.
    private func directory(_ path: ArraySlice<[CChar]>, create: Bool) throws -> Int32 {
        if path.isEmpty { return rootFD }
        if cachedFD >= 0 && cachedPath.elementsEqual(path) { return cachedFD }
        let fd = try walk(path, create: create)
        dropCache()
        cachedFD = fd
        cachedPath = Array(path)
        return fd
    }

    /// Like `directory` but returns a descriptor the caller closes.
    private func walk(_ path: ArraySlice<[CChar]>, create: Bool) throws -> Int32 {
        var fd = dup(rootFD)
        guard fd >= 0 else { throw fail("dup: \(String(cString: strerror(errno)))") }
        var walked: [[CChar]] = []
        for component in path {
            walked.append(component)
            let name = component + [0]
            var next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT && create {
                // A parent the archive did not list: created as tar does, root-owned 0755.
                if mkdirat(fd, name, 0o755) != 0 && errno != EEXIST {
                    let e = errno; close(fd)
                    throw fail("mkdir \(Self.display(walked)): \(String(cString: strerror(e)))")
                }
                next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if next < 0 {
                let e = errno
                var st = stat()
                let isLink = fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
                close(fd)
                if isLink { throw fail("path goes through the symlink \(Self.display(walked).quoted) (refusing to extract through symlinks)") }
                if e == ENOTDIR { throw fail("\(Self.display(walked).quoted) is not a directory") }
                throw fail("open \(Self.display(walked)): \(String(cString: strerror(e)))")
            }
            close(fd)
            fd = next
        }
        return fd
    }

    static func display(_ path: [[CChar]]) -> String {
        path.map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }.joined(separator: "/")
    }

    /// Removes whatever sits at `name` in `dir` (a whole tree for a directory).
    /// `name` without its NUL.
    private func removeExisting(_ dir: Int32, _ name: [CChar]) throws {
        let cname = name + [0]
        var st = stat()
        guard fstatat(dir, cname, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            dropCache()
            try TreeRemover.remove(at: dir, cname)
        } else if unlinkat(dir, cname, 0) != 0 {
            throw fail("unlink: \(String(cString: strerror(errno)))")
        }
    }

    // MARK: - Entries

    private func extractEntry(_ e: OpaquePointer, stream: TarStream, path: UnsafePointer<CChar>) throws {
        let (comps, error) = Self.components(path)
        if let error { throw fail(error) }
        let type = archive_entry_filetype(e)
        let perm = archive_entry_perm(e) & 0o7777
        if comps.isEmpty {
            // The layer's root directory itself ("./").
            guard type == S_IFDIR else { throw fail("the archive's root is not a directory") }
            try applyMetadata(e, dir: rootFD, name: nil, fd: rootFD, type: type, perm: perm)
            directoryTimes.append(([], Self.times(e)))
            return
        }
        let base = comps[comps.count - 1]
        let name = base + [0]
        let parentPath = comps[0..<(comps.count - 1)]

        if options.whiteouts && base.starts(with: Self.whiteoutPrefix) {
            let parent = try directory(parentPath, create: true)
            if base == Self.opaqueMarker {
                // Everything below this directory in lower layers is hidden.
                let r = Self.opaqueXattr.withCString { Xattr.set(fd: parent, $0, "y", 1) }
                guard r == 0 else { throw fail("cannot mark the directory opaque: \(String(cString: strerror(errno)))") }
                return
            }
            // Other `.wh..wh.` names are aufs bookkeeping with no meaning here.
            if base.starts(with: Self.metaPrefix) { return }
            let target = Array(base.dropFirst(Self.whiteoutPrefix.count))
            guard !target.isEmpty, target != [0x2E], target != [0x2E, 0x2E] else {
                throw fail("whiteout escapes its directory")
            }
            try removeExisting(parent, target)
            guard mknodat(parent, target + [0], S_IFCHR, 0) == 0 else {
                throw fail("mknod whiteout: \(String(cString: strerror(errno)))")
            }
            // The marker's time, not the extraction's: `LayerTarWriter` writes the whiteout back
            // with it, so a layer pushed, pulled and pushed again keeps its DiffID.
            var t = Self.times(e)
            utimensat(parent, target + [0], &t, AT_SYMLINK_NOFOLLOW)
            return
        }

        let parent = try directory(parentPath, create: true)

        if let linkTarget = archive_entry_hardlink(e) {
            let (targetComps, error) = Self.components(linkTarget)
            if let error { throw fail("hard link target: \(error)") }
            guard !targetComps.isEmpty else { throw fail("hard link to the layer's root") }
            let targetDir = try walk(targetComps[0..<(targetComps.count - 1)], create: false)
            defer { close(targetDir) }
            let targetName = targetComps[targetComps.count - 1] + [0]
            var st = stat()
            guard fstatat(targetDir, targetName, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
                throw fail("hard link target \(Self.display(targetComps).quoted) is not in this layer")
            }
            guard (st.st_mode & S_IFMT) != S_IFDIR else { throw fail("hard link to a directory") }
            if targetComps == comps { return }
            try removeExisting(parent, base)
            // linkat without AT_SYMLINK_FOLLOW links a symlink itself, never what it points to.
            guard linkat(targetDir, targetName, parent, name, 0) == 0 else {
                throw fail("link: \(String(cString: strerror(errno)))")
            }
            return
        }

        switch type {
        case S_IFDIR:
            var st = stat()
            let exists = fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0
            if exists && (st.st_mode & S_IFMT) != S_IFDIR { try removeExisting(parent, base) }
            if !exists || (st.st_mode & S_IFMT) != S_IFDIR {
                guard mkdirat(parent, name, 0o700) == 0 else { throw fail("mkdir: \(String(cString: strerror(errno)))") }
            }
            let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw fail("open: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            try applyMetadata(e, dir: parent, name: name, fd: fd, type: type, perm: perm)
            directoryTimes.append((comps, Self.times(e)))
        case S_IFREG:
            try removeExisting(parent, base)
            let fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw fail("create: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            try writeData(stream, fd: fd, size: archive_entry_size_is_set(e) != 0 ? archive_entry_size(e) : nil)
            try applyMetadata(e, dir: parent, name: name, fd: fd, type: type, perm: perm)
            var t = Self.times(e)
            futimens(fd, &t)
        case S_IFLNK:
            guard let target = archive_entry_symlink(e) else { throw fail("symlink without a target") }
            try removeExisting(parent, base)
            // The target is stored as is: extraction never follows it, and in a container it
            // resolves inside the container's root.
            guard symlinkat(target, parent, name) == 0 else { throw fail("symlink: \(String(cString: strerror(errno)))") }
            try applyMetadata(e, dir: parent, name: name, fd: nil, type: type, perm: perm)
            var t = Self.times(e)
            utimensat(parent, name, &t, AT_SYMLINK_NOFOLLOW)
        case S_IFCHR, S_IFBLK, S_IFIFO:
            try removeExisting(parent, base)
            guard mknodat(parent, name, type | perm, type == S_IFIFO ? 0 : archive_entry_rdev(e)) == 0 else {
                throw fail("mknod: \(String(cString: strerror(errno)))")
            }
            try applyMetadata(e, dir: parent, name: name, fd: nil, type: type, perm: perm)
            var t = Self.times(e)
            utimensat(parent, name, &t, AT_SYMLINK_NOFOLLOW)
        case S_IFSOCK:
            return // a socket in an archive has no meaning without its process
        default:
            throw fail("unsupported entry type \(String(type, radix: 8))")
        }
    }

    private func writeData(_ stream: TarStream, fd: Int32, size: Int64?) throws {
        var block: UnsafeRawPointer?
        var length = 0
        var offset: Int64 = 0
        var end: Int64 = 0
        while true {
            let r = archive_read_data_block(stream.tar, &block, &length, &offset)
            if r == ARCHIVE_EOF { break }
            guard r == ARCHIVE_OK || r == ARCHIVE_WARN else {
                throw fail("truncated or corrupt archive: \(stream.error(stream.tar))")
            }
            var done = 0
            while done < length {
                let n = pwrite(fd, block! + done, length - done, off_t(offset) + off_t(done))
                if n < 0 { if errno == EINTR { continue }; throw fail("write: \(String(cString: strerror(errno)))") }
                done += n
            }
            end = max(end, offset + Int64(length))
            fileBytes += UInt64(length)
        }
        // A sparse file's trailing hole.
        if let size, size > end { guard ftruncate(fd, off_t(size)) == 0 else { throw fail("truncate: \(String(cString: strerror(errno)))") } }
    }

    private static func times(_ e: OpaquePointer) -> [timespec] {
        let mtime = timespec(tv_sec: archive_entry_mtime(e), tv_nsec: archive_entry_mtime_nsec(e))
        let atime = archive_entry_atime_is_set(e) != 0
            ? timespec(tv_sec: archive_entry_atime(e), tv_nsec: archive_entry_atime_nsec(e)) : mtime
        return [atime, mtime]
    }

    /// Owner, mode and xattrs of a new entry, through `fd` when there is one, else by name in `dir`.
    private func applyMetadata(_ e: OpaquePointer, dir: Int32, name: [CChar]?, fd: Int32?, type: mode_t, perm: mode_t) throws {
        if options.ownership {
            let uid = archive_entry_uid(e), gid = archive_entry_gid(e)
            guard uid >= 0, uid < Int64(UInt32.max), gid >= 0, gid < Int64(UInt32.max) else { throw fail("invalid owner \(uid):\(gid)") }
            let r = fd.map { fchown($0, uid_t(uid), gid_t(gid)) } ?? fchownat(dir, name!, uid_t(uid), gid_t(gid), AT_SYMLINK_NOFOLLOW)
            guard r == 0 else { throw fail("chown: \(String(cString: strerror(errno)))") }
        }
        // After chown, which clears the set-id bits. Symlinks have no mode of their own.
        if type != S_IFLNK {
            let r = fd.map { fchmod($0, perm) } ?? fchmodat(dir, name!, perm, 0)
            guard r == 0 else { throw fail("chmod: \(String(cString: strerror(errno)))") }
        }
        guard options.ownership else { return }
        var count = archive_entry_xattr_reset(e)
        while count > 0 {
            count -= 1
            var xname: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard archive_entry_xattr_next(e, &xname, &value, &size) == ARCHIVE_OK, let xname else { break }
            // Overlay's own attributes (opaque, redirect, metacopy…) would steer the container's
            // overlay mount: only whiteout translation may set them.
            if strncmp(xname, "trusted.overlay.", 16) == 0 { continue }
            let r = fd.map { Xattr.set(fd: $0, xname, value, size) } ?? Xattr.set(dirFD: dir, base: Array(name!.dropLast()), xname, value, size)
            if r != 0 {
                let err = errno
                // A filesystem without that namespace, or user.* on a symlink: nothing to keep it in.
                if err == ENOTSUP || err == EOPNOTSUPP || (type == S_IFLNK && err == EPERM) { continue }
                throw fail("setxattr \(String(cString: xname)): \(String(cString: strerror(err)))")
            }
        }
    }

    private func applyDirectoryTimes() throws {
        dropCache()
        for (path, times) in directoryTimes.reversed() {
            var t = times
            if path.isEmpty { futimens(rootFD, &t); continue }
            guard let parent = try? walk(path[0..<(path.count - 1)], create: false) else { continue }
            utimensat(parent, path[path.count - 1] + [0], &t, AT_SYMLINK_NOFOLLOW)
            close(parent)
        }
        directoryTimes = []
    }
}

/// Removes trees by descriptor, never following symlinks, with names as raw bytes.
enum TreeRemover {
    static func text(_ cname: [CChar]) -> String {
        String(decoding: cname.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes `name` in the directory `dir` (a whole tree if it is a directory); missing is fine.
    static func remove(at dir: Int32, _ name: [CChar]) throws {
        let cname = name.last == 0 ? name : name + [0]
        var st = stat()
        guard fstatat(dir, cname, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return }
            throw BerthError.errno("stat", text(cname))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            let fd = openat(dir, cname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0, let d = fdopendir(fd) else { throw BerthError.errno("open", text(cname)) }
            var names: [[CChar]] = []
            while let ent = readdir(d) {
                let n = withUnsafePointer(to: ent.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { Array(UnsafeBufferPointer(start: $0, count: strlen($0) + 1)) }
                }
                if n != [0x2E, 0] && n != [0x2E, 0x2E, 0] { names.append(n) }
            }
            defer { closedir(d) }
            for n in names { try remove(at: fd, n) }
            if unlinkat(dir, cname, AT_REMOVEDIR) != 0 && errno != ENOENT { throw BerthError.errno("rmdir", text(cname)) }
        } else if unlinkat(dir, cname, 0) != 0 && errno != ENOENT {
            throw BerthError.errno("unlink", text(cname))
        }
    }

    /// Removes the tree at an absolute or relative path; missing is fine.
    static func remove(_ path: String) throws {
        let slash = path.lastIndex(of: "/")
        let parent = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { if errno == ENOENT { return }; throw BerthError.errno("open", parent) }
        defer { close(fd) }
        try remove(at: fd, Array(base.utf8CString))
    }
}
