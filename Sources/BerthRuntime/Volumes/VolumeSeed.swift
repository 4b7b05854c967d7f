import BerthOS
import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// docker's seeding of a new volume: what the image holds at the mount's target is copied into
/// the volume before its first use. The image's view is its layers applied in order, lowest
/// first, with overlay whiteouts (a 0:0 character device hides a name, `trusted.overlay.opaque`
/// hides what lower layers hold in a directory), as `LayerExtractor` stores them.
///
/// Nothing is followed: the target is walked in each layer with `lstat`, and an image whose
/// target (or a directory on the way) is a symlink is not seeded at all — the shim mounts the
/// volume where the link leads inside the container's root, never outside it. Links inside the
/// copied tree are copied as links. Device nodes, FIFOs and sockets are not copied: a volume is
/// bound without `nodev`. Owners, modes and set-uid bits are kept, as in the image (the state
/// root is 0700).
enum VolumeSeed {
    /// Copies the image's content at `path` into `destination` (an existing, empty directory of
    /// Berth's own); returns false when the image has nothing there or the path is a link.
    static func copy(layers: [String], path: String, into destination: String) throws -> Bool {
        let components = MountTarget.clean(path).split(separator: "/").map(String.init)
        var found = false
        var top: stat?
        for layer in layers {
            var dir = layer
            var hidden = false
            var st = stat()
            for (i, c) in components.enumerated() {
                dir += "/" + c
                guard lstat(dir, &st) == 0 else { hidden = true; break }
                let type = st.st_mode & S_IFMT
                if type == S_IFCHR && st.st_rdev == 0 {
                    // A whiteout of the target or a directory above it: nothing below shows.
                    try clear(destination); found = false; hidden = true; break
                }
                if type == S_IFLNK { return false }
                guard type == S_IFDIR else {
                    // A file where a directory was: the image has no directory here.
                    try clear(destination); found = false; hidden = true; break
                }
                if isOpaque(dir) && i < components.count - 1 { try clear(destination); found = false }
            }
            if hidden { continue }
            top = st
            if isOpaque(dir) { try clear(destination) }
            try merge(from: dir, into: destination)
            if !FileIO.entryNames(dir).isEmpty { found = true }
        }
        // The volume's root takes the owner and mode of the image's directory, as docker's does.
        if let top { try keepOwnerAndMode(destination, top) }
        return found && !FileIO.entryNames(destination).isEmpty
    }

    /// Applies one layer's directory onto `destination`.
    private static func merge(from source: String, into destination: String) throws {
        for name in FileIO.entryNames(source) {
            let s = source + "/" + name, d = destination + "/" + name
            var st = stat()
            guard lstat(s, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFCHR where st.st_rdev == 0:
                try FileIO.removeTree(d)
            case S_IFDIR:
                var dst = stat()
                if lstat(d, &dst) == 0 && (dst.st_mode & S_IFMT) != S_IFDIR { try FileIO.removeTree(d) }
                if isOpaque(s) { try FileIO.removeTree(d) }
                if mkdir(d, 0o700) != 0 && errno != EEXIST { throw BerthError.errno("mkdir", d) }
                try merge(from: s, into: d)
                try keepOwnerAndMode(d, st)
            case S_IFREG:
                try FileIO.removeTree(d)
                try copyFile(s, d, st)
            case S_IFLNK:
                try FileIO.removeTree(d)
                guard let target = readLink(s), symlink(target, d) == 0 else { throw BerthError.errno("symlink", d) }
                _ = lchown(d, st.st_uid, st.st_gid)
            default:
                continue // devices, FIFOs, sockets
            }
        }
    }

    private static func copyFile(_ s: String, _ d: String, _ st: stat) throws {
        let input = open(s, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard input >= 0 else { throw BerthError.errno("open", s) }
        defer { close(input) }
        let output = open(d, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw BerthError.errno("create", d) }
        defer { close(output) }
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(input, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw BerthError.errno("read", s) }
            if n == 0 { break }
            var off = 0
            while off < n {
                let w = buf[off..<n].withUnsafeBytes { write(output, $0.baseAddress, n - off) }
                guard w > 0 else { throw BerthError.errno("write", d) }
                off += w
            }
        }
        // Owner first: chown clears set-uid bits, which the mode then restores.
        guard fchown(output, st.st_uid, st.st_gid) == 0, fchmod(output, st.st_mode & 0o7777) == 0 else {
            throw BerthError.errno("set the owner and mode of", d)
        }
    }

    private static func keepOwnerAndMode(_ d: String, _ st: stat) throws {
        guard lchown(d, st.st_uid, st.st_gid) == 0, chmod(d, st.st_mode & 0o7777) == 0 else {
            throw BerthError.errno("set the owner and mode of", d)
        }
    }

    private static func clear(_ dir: String) throws {
        for n in FileIO.entryNames(dir) { try FileIO.removeTree(dir + "/" + n) }
    }

    private static func isOpaque(_ dir: String) -> Bool {
        var v: UInt8 = 0
        return lgetxattr(dir, "trusted.overlay.opaque", &v, 1) == 1 && v == UInt8(ascii: "y")
    }

    private static func readLink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buf, buf.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
