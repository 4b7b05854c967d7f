import BerthOS
import CArchive
import CBerthSys
#if canImport(Glibc)
import Glibc
#endif

/// Writes a directory tree as an uncompressed pax tar stream: names sorted bytewise, no atime or
/// ctime, no user or group names, so the same tree always gives the same bytes (and digest).
/// Overlay whiteouts (char device 0:0) become `.wh.NAME` files and an opaque directory
/// (`trusted.overlay.opaque=y`) gets a `.wh..wh..opq` entry: the OCI layer form of a layer directory.
final class LayerTarWriter {
    private let out: Int32
    private let outPath: String
    private let hasher = SHA256Hasher()
    private(set) var bytesWritten: UInt64 = 0
    private var writeError: Int32 = 0
    private let archive: OpaquePointer
    private var links: [Inode: [CChar]] = [:]
    private let buffer: UnsafeMutableRawPointer
    private static let bufferSize = 1 << 20

    private struct Inode: Hashable { let dev: UInt64; let ino: UInt64 }

    /// A tree in use (`export` of a running container, through its init's root): stop at mount
    /// points (`tar --one-file-system`: a mounted directory is written empty, a mounted file as
    /// an empty file), since /proc, /sys, /dev, volumes, binds and Berth's /etc files are mounts
    /// there and not part of the container's filesystem (docker leaves them out the same way);
    /// and skip an entry the container removes while it is walked, as tar does.
    var liveTree = false

    /// Writes to `fd` (kept open by the caller); `path` names it in messages.
    init(fd: Int32, path: String) throws {
        out = fd
        outPath = path
        buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.bufferSize, alignment: 64)
        archive = archive_write_new()
        archive_write_set_format_pax_restricted(archive)
        archive_write_add_filter_none(archive)
        archive_write_set_bytes_in_last_block(archive, 1)
        let me = Unmanaged.passUnretained(self).toOpaque()
        let r = archive_write_open(archive, me, nil, { _, client, data, length in
            let w = Unmanaged<LayerTarWriter>.fromOpaque(client!).takeUnretainedValue()
            return w.sink(data!, length)
        }, nil)
        guard r == ARCHIVE_OK else {
            archive_write_free(archive)
            buffer.deallocate()
            throw BerthError.invalidArgument("\(path): cannot write tar: \(TarStream.message(archive))")
        }
    }

    deinit {
        archive_write_free(archive)
        buffer.deallocate()
    }

    private func sink(_ data: UnsafeRawPointer, _ length: Int) -> Int {
        var done = 0
        while done < length {
            let n = write(out, data + done, length - done)
            if n < 0 { if errno == EINTR { continue }; writeError = errno; return -1 }
            done += n
        }
        hasher.update(data, count: length)
        bytesWritten += UInt64(length)
        return length
    }

    /// Adds every entry below `directory` (not the directory itself), then ends the archive.
    /// Returns the digest and length of the tar stream.
    func writeTree(_ directory: String) throws -> (digest: Digest, size: UInt64) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw BerthError.errno("open", directory) }
        defer { close(fd) }
        try walk(fd, prefix: [], display: directory)
        guard archive_write_close(archive) == ARCHIVE_OK else { throw failure("close") }
        return (hasher.finish(), bytesWritten)
    }

    private func failure(_ what: String) -> BerthError {
        if writeError != 0 { return BerthError.errno("write", outPath, writeError) }
        return .invalidArgument("\(outPath): \(what): \(TarStream.message(archive))")
    }

    private static func names(_ dir: Int32) throws -> [[CChar]] {
        let fd = dup(dir)
        guard fd >= 0, let d = fdopendir(fd) else { throw BerthError.errno("opendir") }
        defer { closedir(d) }
        rewinddir(d)
        var out: [[CChar]] = []
        while let ent = readdir(d) {
            let n = withUnsafePointer(to: ent.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { Array(UnsafeBufferPointer(start: $0, count: strlen($0))) }
            }
            if n != [0x2E] && n != [0x2E, 0x2E] { out.append(n) }
        }
        return out.sorted { $0.map { UInt8(bitPattern: $0) }.lexicographicallyPrecedes($1.map { UInt8(bitPattern: $0) }) }
    }

    private func walk(_ dir: Int32, prefix: [CChar], display: String) throws {
        for name in try Self.names(dir) {
            let cname = name + [0]
            var st = stat()
            guard fstatat(dir, cname, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
                if liveTree && errno == ENOENT { continue }
                throw BerthError.errno("stat", display)
            }
            let rel = prefix + name
            let type = st.st_mode & S_IFMT
            let proc = Array("/proc/self/fd/\(dir)/".utf8CString.dropLast()) + cname
            if liveTree, try isMountPoint(dir, cname, st, display: display) {
                try emitMountPoint(rel, st)
                continue
            }
            if type == S_IFCHR && st.st_rdev == 0 {
                // An overlay whiteout.
                try emitMarker(prefix + Array(".wh.".utf8CString.dropLast()) + name, st)
                continue
            }
            let e = archive_entry_new()!
            defer { archive_entry_free(e) }
            (rel + [0]).withUnsafeBufferPointer { archive_entry_copy_pathname(e, $0.baseAddress) }
            archive_entry_set_mode(e, st.st_mode)
            archive_entry_set_uid(e, Int64(st.st_uid))
            archive_entry_set_gid(e, Int64(st.st_gid))
            archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec)
            var opaque = false
            for x in Xattr.list(proc) {
                let xname = String(decoding: x.name.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if xname == "trusted.overlay.opaque" { opaque = x.value == [0x79]; continue }
                if xname.hasPrefix("trusted.overlay.") { continue }
                x.value.withUnsafeBytes { v in
                    (x.name + [0]).withUnsafeBufferPointer { archive_entry_xattr_add_entry(e, $0.baseAddress, v.baseAddress, v.count) }
                }
            }
            var fileFD: Int32 = -1
            defer { if fileFD >= 0 { close(fileFD) } }
            let key = Inode(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
            if type != S_IFDIR && st.st_nlink > 1, let first = links[key] {
                (first + [0]).withUnsafeBufferPointer { archive_entry_copy_hardlink(e, $0.baseAddress) }
                archive_entry_set_size(e, 0)
            } else {
                if type != S_IFDIR && st.st_nlink > 1 { links[key] = rel }
                switch type {
                case S_IFREG:
                    archive_entry_set_size(e, Int64(st.st_size))
                    fileFD = openat(dir, cname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
                    if fileFD < 0 && liveTree && errno == ENOENT { continue }
                    guard fileFD >= 0 else { throw BerthError.errno("open", display + "/" + TreeRemover.text(cname)) }
                case S_IFLNK:
                    var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                    let n = readlinkat(dir, cname, &target, target.count - 1)
                    guard n >= 0 else { throw BerthError.errno("readlink", display + "/" + TreeRemover.text(cname)) }
                    target[n] = 0
                    archive_entry_copy_symlink(e, target)
                case S_IFCHR, S_IFBLK:
                    archive_entry_set_rdev(e, st.st_rdev)
                case S_IFDIR, S_IFIFO:
                    break
                default:
                    continue // sockets
                }
            }
            guard archive_write_header(archive, e) == ARCHIVE_OK else { throw failure("entry \(TreeRemover.text(rel + [0]))") }
            if fileFD >= 0 { try copyData(fileFD, rel, size: Int64(st.st_size)) }
            if type == S_IFDIR {
                if opaque { try emitMarker(rel + Array("/.wh..wh..opq".utf8CString.dropLast()), st) }
                let sub = openat(dir, cname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if sub < 0 && liveTree && errno == ENOENT { continue }
                guard sub >= 0 else { throw BerthError.errno("open", display + "/" + TreeRemover.text(cname)) }
                defer { close(sub) }
                try walk(sub, prefix: rel + [0x2F], display: display + "/" + TreeRemover.text(cname))
            }
        }
    }

    /// Whether `name` is the root of another mount than its directory's: statx says so where the
    /// kernel reports it (5.8 and later), else a directory on another device is one.
    private func isMountPoint(_ dir: Int32, _ name: [CChar], _ st: stat, display: String) throws -> Bool {
        switch berth_is_mount_root(dir, name) {
        case 1: return true
        case 0: return false
        // Removed meanwhile in a running container's tree: the open that follows skips it.
        case -1 where liveTree && errno == ENOENT: return false
        case -1: throw BerthError.errno("stat", display + "/" + TreeRemover.text(name))
        default:
            var parent = stat()
            guard fstat(dir, &parent) == 0 else { throw BerthError.errno("stat", display) }
            return st.st_mode & S_IFMT == S_IFDIR && st.st_dev != parent.st_dev
        }
    }

    /// A mount point as it is below the mount: its directory (or file) with its own mode, owner
    /// and time, and nothing in it.
    private func emitMountPoint(_ path: [CChar], _ st: stat) throws {
        let e = archive_entry_new()!
        defer { archive_entry_free(e) }
        (path + [0]).withUnsafeBufferPointer { archive_entry_copy_pathname(e, $0.baseAddress) }
        let type: mode_t = st.st_mode & S_IFMT == S_IFDIR ? S_IFDIR : S_IFREG
        archive_entry_set_mode(e, type | (st.st_mode & 0o7777))
        archive_entry_set_uid(e, Int64(st.st_uid))
        archive_entry_set_gid(e, Int64(st.st_gid))
        archive_entry_set_size(e, 0)
        archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec)
        guard archive_write_header(archive, e) == ARCHIVE_OK else { throw failure("entry \(TreeRemover.text(path + [0]))") }
    }

    /// An empty root-owned file: a whiteout or an opaque-directory marker.
    private func emitMarker(_ path: [CChar], _ st: stat) throws {
        let e = archive_entry_new()!
        defer { archive_entry_free(e) }
        (path + [0]).withUnsafeBufferPointer { archive_entry_copy_pathname(e, $0.baseAddress) }
        archive_entry_set_mode(e, S_IFREG | 0o644)
        archive_entry_set_size(e, 0)
        archive_entry_set_mtime(e, st.st_mtim.tv_sec, 0)
        guard archive_write_header(archive, e) == ARCHIVE_OK else { throw failure("whiteout \(TreeRemover.text(path + [0]))") }
    }

    /// The file's first `size` bytes, the size its header declares: a file a running container
    /// appends to meanwhile is cut there (as GNU tar does), one that shrank is padded by libarchive.
    private func copyData(_ fd: Int32, _ rel: [CChar], size: Int64) throws {
        var left = size
        while left > 0 {
            let n = read(fd, buffer, Int(min(Int64(Self.bufferSize), left)))
            if n == 0 { return }
            if n < 0 { if errno == EINTR { continue }; throw BerthError.errno("read", TreeRemover.text(rel + [0])) }
            guard archive_write_data(archive, buffer, n) == n else { throw failure("data of \(TreeRemover.text(rel + [0]))") }
            left -= Int64(n)
        }
    }
}
