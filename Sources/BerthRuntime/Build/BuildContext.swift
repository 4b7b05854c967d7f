import BerthOS
import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The directory `berth build` was given, as COPY and ADD read it. Hostile like an image:
/// every source is looked up *inside* it (`openat2(RESOLVE_IN_ROOT)` on a descriptor of the
/// context: `..` and symlinks stop at its root, never reaching the host's files), a source whose
/// text climbs out (`../x`) is refused by name, the last component of a source is not followed
/// (a link is copied as a link), and nothing below a source is ever followed (`TreeCopy`).
/// `.dockerignore` excludes paths from both the copy and its content hash.
final class BuildContext {
    let path: String
    let fd: Int32
    let ignore: DockerIgnore

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw BerthError.invalidArgument("the build context \(path.quoted) is not a directory: \(String(cString: strerror(errno)))") }
        let text = InRoot.readFile(root: path, path: ".dockerignore", limit: 1 << 20).map { String(decoding: $0, as: UTF8.self) } ?? ""
        ignore = DockerIgnore(text)
    }

    deinit { close(fd) }

    /// A source as written in the Dockerfile → its path relative to the context (`/a/b` is `a/b`,
    /// as in docker), refusing one that climbs out.
    static func relative(_ source: String) throws -> String {
        var parts: [Substring] = []
        for c in source.split(separator: "/") {
            if c == "." { continue }
            if c == ".." {
                guard !parts.isEmpty else { throw BerthError.invalidArgument("COPY failed: forbidden path outside the build context: \(source.quoted)") }
                parts.removeLast()
                continue
            }
            parts.append(c)
        }
        return parts.joined(separator: "/")
    }

    /// The sources of one COPY/ADD: each text made relative, `*`/`?`/`[` patterns matched in
    /// their directory, excluded paths dropped; a source that matches nothing is an error.
    func expand(_ sources: [String], root: Int32? = nil, what: String = "build context") throws -> [String] {
        let base = root ?? fd
        var out: [String] = []
        for source in sources {
            let rel = try Self.relative(source)
            let name = rel.split(separator: "/").last.map(String.init) ?? ""
            if name.contains(where: { "*?[".contains($0) }) {
                let dir = rel.split(separator: "/").dropLast().joined(separator: "/")
                let dirFD = berth_open_in_root(base, dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY)
                guard dirFD >= 0 else { throw BerthError.invalidArgument("COPY failed: no source files were specified by \(source.quoted)") }
                let names = (try? TreeCopy.entries(dirFD)) ?? []
                close(dirFD)
                let hits = names.filter { fnmatch(name, $0, 0) == 0 }.map { dir.isEmpty ? $0 : dir + "/" + $0 }
                    .filter { root != nil || !ignore.excludes($0) }
                guard !hits.isEmpty else { throw BerthError.invalidArgument("COPY failed: no source files were specified by \(source.quoted)") }
                out += hits
            } else {
                if root == nil && !rel.isEmpty && ignore.excludes(rel) {
                    throw BerthError.invalidArgument("COPY failed: \(source.quoted) is excluded by .dockerignore")
                }
                out.append(rel)
            }
        }
        return out
    }

    /// Opens the parent of `rel` inside `root` (links followed inside it) and checks the entry
    /// exists; returns the parent's descriptor and the entry's name (`.` for the root itself).
    static func openSource(_ rel: String, in root: Int32, what: String) throws -> (dir: Int32, name: String) {
        let comps = rel.split(separator: "/").map(String.init)
        let parent = comps.dropLast().joined(separator: "/")
        let name = comps.last ?? "."
        let dir = berth_open_in_root(root, parent.isEmpty ? "." : parent, berth_o_path() | O_DIRECTORY)
        var st = stat()
        guard dir >= 0, fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            if dir >= 0 { close(dir) }
            throw BerthError.invalidArgument("COPY failed: \((rel.isEmpty ? "." : rel).quoted): no such file or directory in the \(what)")
        }
        return (dir, name)
    }

    /// A digest of what copying `sources` from `root` reads: names, types, modes, link targets
    /// and file contents, excluded paths left out. Part of the step's cache key.
    func contentHash(_ sources: [String], root: Int32? = nil) throws -> String {
        let hasher = SHA256Hasher()
        let filter = root == nil ? ignore : DockerIgnore("")
        for rel in sources {
            let (dir, name) = try Self.openSource(rel, in: root ?? fd, what: root == nil ? "build context" : "stage")
            defer { close(dir) }
            try Self.hash(dir, name, rel: rel, filter: filter, into: hasher)
        }
        return hasher.finish().hex
    }

    private static func feed(_ h: SHA256Hasher, _ bytes: [UInt8]) { bytes.withUnsafeBytes { h.update($0) } }

    private static func hash(_ dir: Int32, _ name: String, rel: String, filter: DockerIgnore, into h: SHA256Hasher) throws {
        var st = stat()
        guard fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { throw BerthError.errno("stat", rel) }
        let header = "\(rel)\u{0}\(st.st_mode)\u{0}"
        Self.feed(h, Array(header.utf8))
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            let f = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)
            guard f >= 0 else { throw BerthError.errno("open", rel) }
            defer { close(f) }
            let (digest, _) = try Digest.of(fd: f, path: rel)
            Self.feed(h, Array(digest.hex.utf8))
        case S_IFLNK:
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlinkat(dir, name, &buf, buf.count - 1)
            guard n >= 0 else { throw BerthError.errno("readlink", rel) }
            Self.feed(h, buf[..<n].map { UInt8(bitPattern: $0) })
        case S_IFDIR:
            let sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard sub >= 0 else { throw BerthError.errno("open", rel) }
            defer { close(sub) }
            for child in try TreeCopy.entries(sub) {
                let childRel = rel.isEmpty ? child : rel + "/" + child
                if filter.excludes(childRel) && !filter.hasExceptions { continue }
                var cst = stat()
                if filter.excludes(childRel), fstatat(sub, child, &cst, AT_SYMLINK_NOFOLLOW) == 0, (cst.st_mode & S_IFMT) != S_IFDIR { continue }
                try hash(sub, child, rel: childRel, filter: filter, into: h)
            }
        default:
            break
        }
    }

    /// Creates `path` and its missing parents inside `root` (0755, root-owned, as docker does)
    /// and returns a descriptor of it. Every step resolves inside `root`: a link in the image
    /// (`/target -> /etc`) leads to the image's `/etc`, never the host's.
    /// A dangling link on the way (`/target -> /var/x` where the image has no `/var/x`) has its
    /// target made, inside `root` as well.
    static func makeDirectories(_ path: String, in root: Int32, depth: Int = 0) throws -> Int32 {
        guard depth < 40 else { throw BerthError.errno("mkdir", path, ELOOP) }
        var done = ""
        for comp in path.split(separator: "/") where comp != "." {
            let next = done + "/" + comp
            var fd = berth_open_in_root(root, next, O_RDONLY | O_DIRECTORY)
            if fd < 0 && errno == ENOENT {
                let parent = berth_open_in_root(root, done.isEmpty ? "/" : done, berth_o_path() | O_DIRECTORY)
                guard parent >= 0 else { throw BerthError.errno("open", done.isEmpty ? "/" : done) }
                defer { close(parent) }
                if mkdirat(parent, String(comp), 0o755) != 0 {
                    guard errno == EEXIST else { throw BerthError.errno("mkdir", next) }
                    var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                    let n = readlinkat(parent, String(comp), &buf, buf.count - 1)
                    guard n > 0 else { throw BerthError.errno("mkdir", next, EEXIST) }
                    let target = String(decoding: buf[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    close(try makeDirectories(target.hasPrefix("/") ? target : (done.isEmpty ? "/" : done) + "/" + target, in: root, depth: depth + 1))
                }
                fd = berth_open_in_root(root, next, O_RDONLY | O_DIRECTORY)
            }
            guard fd >= 0 else {
                throw errno == ENOTDIR ? BerthError.invalidArgument("COPY failed: \(next.quoted) is not a directory in the image")
                                       : BerthError.errno("open", next)
            }
            close(fd)
            done = next
        }
        let fd = berth_open_in_root(root, done.isEmpty ? "/" : done, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw BerthError.errno("open", done.isEmpty ? "/" : done) }
        return fd
    }
}
