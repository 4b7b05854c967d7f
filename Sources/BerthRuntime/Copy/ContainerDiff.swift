import BerthOS
import CBerthSys
#if canImport(Glibc)
import Glibc
#endif

/// One line of `berth diff`: docker's `A` (added), `C` (changed) or `D` (deleted) and the path.
public struct FilesystemChange: Sendable, Equatable {
    public enum Kind: String, Sendable { case added = "A", changed = "C", deleted = "D" }
    public var kind: Kind
    public var path: String
    public var description: String { "\(kind.rawValue) \(path)" }
}

/// `berth diff`: the container's writable layer (overlay's upper directory) against its image's
/// layers, as docker reports it. An overlay whiteout (a 0:0 character device) is a deletion; a
/// name the layers below have is a change (directories too: their content changed), any other an
/// addition. Below an opaque directory the lower layers are hidden, so its entries are additions.
/// Every directory is opened `O_NOFOLLOW` below a descriptor: nothing is followed, in the upper
/// directory or in the layers.
enum ContainerDiff {
    static func changes(upper: String, layersTopmostFirst layers: [String]) throws -> [FilesystemChange] {
        let top = open(upper, berth_o_path() | O_DIRECTORY | O_CLOEXEC)
        guard top >= 0 else { throw BerthError.errno("open", upper) }
        defer { close(top) }
        let lowers = layers.compactMap { dir -> Int32? in
            let fd = open(dir, berth_o_path() | O_DIRECTORY | O_CLOEXEC)
            return fd >= 0 ? fd : nil
        }
        defer { lowers.forEach { close($0) } }
        var out: [FilesystemChange] = []
        try walk(top, lowers: lowers, prefix: "", into: &out)
        return out.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
    }

    private static func walk(_ dir: Int32, lowers: [Int32], prefix: String, into out: inout [FilesystemChange]) throws {
        let readable = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard readable >= 0 else { throw BerthError.errno("open", prefix.isEmpty ? "/" : prefix) }
        guard let stream = fdopendir(readable) else { close(readable); throw BerthError.errno("open", prefix.isEmpty ? "/" : prefix) }
        let names = FileIO.entryNames(of: stream)
        closedir(stream)
        for name in names {
            var st = stat()
            guard fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            let path = prefix + "/" + name
            let type = st.st_mode & S_IFMT
            if type == S_IFCHR && st.st_rdev == 0 {
                out.append(FilesystemChange(kind: .deleted, path: path))
                continue
            }
            let below = LayeredRoot.visible(name, in: lowers)
            out.append(FilesystemChange(kind: below.exists ? .changed : .added, path: path))
            guard type == S_IFDIR else { below.directories.forEach { close($0) }; continue }
            let sub = openat(dir, name, berth_o_path() | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard sub >= 0 else { below.directories.forEach { close($0) }; throw BerthError.errno("open", path) }
            defer { close(sub); below.directories.forEach { close($0) } }
            try walk(sub, lowers: LayeredRoot.isOpaque(sub) ? [] : below.directories, prefix: path, into: &out)
        }
    }
}
