import BerthOS
import CBerthSys
#if canImport(Glibc)
import Glibc
#endif

/// The host side of one RUN step's `--mount`s: what each mount's source is, made before the
/// step's container and undone after it (`release`). Everything temporary lives in one
/// directory, `scratch` (`<store>/tmp/.tmp-PID-…`, 0700), which the store's sweep removes if the
/// build is killed; only cache directories outlive the step.
final class RunMounts {
    /// The container's mounts, in the order of the `--mount`s.
    private(set) var requests: [MountRequest] = []
    /// Paths inside the container the runtime will create as mountpoints (missing in the image):
    /// removed from the step's layer (`Mountpoints.remove`).
    private(set) var created: [String] = []
    let scratch: String
    private let image: LayeredRoot
    private var locks: [Int32] = []
    private var relays: [SSHAgentRelay] = []
    private var counter = 0

    /// `image`: the step's base, to see which mountpoints exist.
    init(scratch: String, image: LayeredRoot) throws {
        self.scratch = scratch
        self.image = image
        guard mkdir(scratch, 0o700) == 0 else { throw BerthError.errno("mkdir", scratch) }
    }

    deinit { release() }

    /// Unlocks the caches and removes the temporaries (bind copies, secrets, scripts).
    func release() {
        for fd in locks { close(fd) } // closing drops the flock
        locks = []
        for relay in relays { relay.stop() }
        relays = []
        try? TreeRemover.remove(scratch)
    }

    private func next(_ what: String) -> String {
        counter += 1
        return scratch + "/\(what)-\(counter)"
    }

    private func add(_ request: MountRequest) throws {
        created += try Mountpoints.missing(request.target, in: image)
        requests.append(request)
    }

    // MARK: - type=cache

    /// A directory under `cacheRoot` named by the digest of the id (the default id, the target,
    /// has slashes), made with the mount's mode and owner the first time, kept across builds.
    /// `locked` waits for other builds using it; `private` takes a fresh directory (discarded)
    /// when another build has it; `shared` only keeps `locked` users out.
    func addCache(_ mount: RunMount, cacheRoot: String) throws {
        try FileIO.mkdirs(cacheRoot, mode: 0o700)
        let path = cacheRoot + "/" + Digest.of(Array(mount.id.utf8)).hex
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw BerthError.errno("open", path + ".lock") }
        locks.append(lock)
        var source = path
        switch mount.sharing {
        case .shared: _ = flock(lock, LOCK_SH)
        case .locked: _ = flock(lock, LOCK_EX)
        case .private:
            if flock(lock, LOCK_EX | LOCK_NB) != 0 { source = next("cache") }
        }
        if !FileIO.exists(source) {
            // Made under a temporary name with its mode and owner, then renamed: a kill leaves
            // the whole directory or none (the temporary is swept with `scratch`).
            let fresh = source == path ? next("cache") : source
            guard mkdir(fresh, 0o755) == 0 else { throw BerthError.errno("mkdir", fresh) }
            guard chown(fresh, mount.uid, mount.gid) == 0, chmod(fresh, mount.mode ?? 0o755) == 0 else { throw BerthError.errno("chmod", fresh) }
            if fresh != source, rename(fresh, source) != 0, errno != EEXIST, errno != ENOTEMPTY { throw BerthError.errno("rename", source) }
        }
        try add(MountRequest(kind: .bind, source: source, target: mount.target, readOnly: !mount.readWrite))
    }

    // MARK: - type=bind

    /// A copy of `source` read inside `root` (the context, or a stage's files): its text may
    /// not climb out, links on the way resolve inside `root` (`openat2(RESOLVE_IN_ROOT)`), the
    /// source itself may not be a link, and nothing below it is followed (`TreeCopy`). A copy
    /// rather than the real directory, so `rw` writes are discarded and nothing the step does
    /// reaches the context. `exclude`: the context's `.dockerignore`.
    func addBind(_ mount: RunMount, from root: Int32, what: String, exclude: DockerIgnore?) throws {
        let rel: String
        do { rel = try BuildContext.relative(mount.source) } catch {
            throw BerthError.invalidArgument("RUN --mount source=\(mount.source.quoted): forbidden path outside the \(what)")
        }
        if let exclude, !rel.isEmpty, exclude.excludes(rel) {
            throw BerthError.invalidArgument("RUN --mount source=\(mount.source.quoted) is excluded by .dockerignore")
        }
        let (dir, name) = try BuildContext.openSource(rel, in: root, what: what)
        defer { close(dir) }
        var st = stat()
        guard fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { throw BerthError.errno("stat", rel) }
        var tree = TreeCopy(owner: nil)
        if let exclude {
            tree.exclude = { exclude.excludes($0) }
            tree.walkExcluded = exclude.hasExceptions
        }
        let copy = next("bind")
        switch TreeCopy.kind(st) {
        case .directory:
            guard mkdir(copy, 0o700) == 0 else { throw BerthError.errno("mkdir", copy) }
            let src = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard src >= 0 else { throw BerthError.errno("open", rel) }
            defer { close(src) }
            let dst = open(copy, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard dst >= 0 else { throw BerthError.errno("open", copy) }
            defer { close(dst) }
            try tree.contents(of: src, into: dst, path: exclude == nil ? nil : rel)
            _ = fchown(dst, st.st_uid, st.st_gid)
            _ = fchmod(dst, st.st_mode & 0o7777)
            try add(MountRequest(kind: .bind, source: copy, target: mount.target, readOnly: !mount.readWrite))
        case .file:
            guard mkdir(copy, 0o700) == 0 else { throw BerthError.errno("mkdir", copy) }
            let dst = open(copy, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard dst >= 0 else { throw BerthError.errno("open", copy) }
            defer { close(dst) }
            try tree.copy(from: dir, name, to: dst, "file")
            try add(MountRequest(kind: .bind, source: copy + "/file", target: mount.target, readOnly: !mount.readWrite))
        case .link:
            throw BerthError.invalidArgument("RUN --mount source=\(mount.source.quoted) is a symlink; berth does not follow links in the \(what): name what it points to")
        case .other:
            throw BerthError.invalidArgument("RUN --mount source=\(mount.source.quoted) is not a file or directory")
        }
    }

    // MARK: - type=tmpfs, type=secret, heredoc scripts

    func addTmpfs(_ mount: RunMount) throws {
        try add(MountRequest(kind: .tmpfs, target: mount.target, tmpfsOptions: mount.size.map { ["size=\($0)"] } ?? []))
    }

    /// The secret's bytes in a file of its own (mode 0400 unless `mode=`, owned by `uid:gid`),
    /// bind-mounted read-only: never in the layer (its mountpoint is removed), never in the
    /// cache key (only the id is) and never printed.
    func addSecret(_ mount: RunMount, bytes: [UInt8]) throws {
        let path = next("secret")
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BerthError.errno("create", path) }
        defer { close(fd) }
        try FileIO.writeAll(fd: fd, bytes, path: path)
        guard fchown(fd, mount.uid, mount.gid) == 0, fchmod(fd, mount.mode ?? 0o400) == 0 else { throw BerthError.errno("chmod", path) }
        try add(MountRequest(kind: .bind, source: path, target: mount.target, readOnly: true))
    }

    /// The user's ssh agent behind a relay socket of the mount's owner and mode (0600 unless
    /// `mode=`), bind-mounted at the target: the step can ask the agent to sign, never read a key.
    func addSSH(_ mount: RunMount, agent: String) throws {
        let relay = try SSHAgentRelay(path: next("ssh"), agent: agent, uid: mount.uid, gid: mount.gid, mode: mount.mode ?? 0o600)
        relays.append(relay)
        try add(MountRequest(kind: .bind, source: relay.path, target: mount.target, readOnly: false))
    }

    /// `RUN <<NAME` whose body starts with `#!`: the body as an executable file at `target`
    /// (BuildKit's `/dev/pipes/NAME`), read-only.
    func addScript(_ body: String, target: String) throws {
        let path = next("script")
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BerthError.errno("create", path) }
        defer { close(fd) }
        try FileIO.writeAll(fd: fd, Array(body.utf8), path: path)
        guard fchmod(fd, 0o755) == 0 else { throw BerthError.errno("chmod", path) }
        try add(MountRequest(kind: .bind, source: path, target: target, readOnly: true))
    }
}

/// The mountpoints a RUN step's mounts need, and their removal from its layer: the runtime
/// makes a missing mount target (and its missing parents) in the container's root, which is the
/// step's overlay upper directory — the layer. They are not the step's content.
enum Mountpoints {
    /// The paths of `target` missing in the image, shallowest first (what the runtime will
    /// make). A directory on the way that is a link or a file in the image is refused: the
    /// runtime would resolve it somewhere else in the root, and what it made there could not be
    /// told from the step's own files.
    static func missing(_ target: String, in image: LayeredRoot) throws -> [String] {
        var dirs = image.layers.compactMap { layer -> Int32? in
            let fd = open(layer, berth_o_path() | O_DIRECTORY | O_CLOEXEC)
            return fd >= 0 ? fd : nil
        }
        defer { for fd in dirs { close(fd) } }
        let comps = target.split(separator: "/").map(String.init)
        var path = ""
        for (i, name) in comps.enumerated() {
            path += "/" + name
            let (exists, below) = LayeredRoot.visible(name, in: dirs)
            guard exists else {
                return (i..<comps.count).map { "/" + comps[...$0].joined(separator: "/") }
            }
            if below.isEmpty {
                guard i == comps.count - 1 else {
                    throw BerthError.invalidArgument("RUN --mount target \(target.quoted): \(path.quoted) is a link or a file in the image; name the real directory")
                }
                return []
            }
            for fd in dirs { close(fd) }
            dirs = below
        }
        return []
    }

    /// Removes from `upper` the mountpoints in `created` (deepest first) while they are empty
    /// (a directory the step wrote into stays), then each parent that the runtime's mkdir only
    /// copied up: empty, not opaque, and with the image's mode and owner.
    static func remove(_ created: [String], from upper: String, image: LayeredRoot) {
        let root = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard root >= 0 else { return }
        defer { close(root) }
        var parents: Set<String> = []
        for path in created.sorted(by: { $0.count > $1.count }) {
            let rel = String(path.dropFirst())
            var st = stat()
            guard fstatat(root, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: _ = unlinkat(root, rel, AT_REMOVEDIR)
            case S_IFREG where st.st_size == 0: _ = unlinkat(root, rel, 0)
            default: break
            }
            parents.insert(String(path[..<path.lastIndex(of: "/")!]))
        }
        // The nearest existing ancestors: copied up for the mkdir, identical to the image's.
        for start in parents where !created.contains(start) {
            var path = start
            while !path.isEmpty {
                guard unchangedCopyUp(path, root: root, image: image), unlinkat(root, String(path.dropFirst()), AT_REMOVEDIR) == 0 else { break }
                path = String(path[..<path.lastIndex(of: "/")!])
            }
        }
    }

    private static func unchangedCopyUp(_ path: String, root: Int32, image: LayeredRoot) -> Bool {
        let fd = openat(root, String(path.dropFirst()), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (try? TreeCopy.entries(fd))?.isEmpty == true, !LayeredRoot.isOpaque(fd) else { return false }
        guard let lower = directoryStat(path, in: image) else { return false }
        return lower.st_mode == st.st_mode && lower.st_uid == st.st_uid && lower.st_gid == st.st_gid
    }

    /// The stat of the directory `path` as the image shows it (its topmost layer's), nil when it
    /// is not a directory there. No link is followed.
    private static func directoryStat(_ path: String, in image: LayeredRoot) -> stat? {
        var dirs = image.layers.compactMap { layer -> Int32? in
            let fd = open(layer, berth_o_path() | O_DIRECTORY | O_CLOEXEC)
            return fd >= 0 ? fd : nil
        }
        defer { for fd in dirs { close(fd) } }
        for name in path.split(separator: "/").map(String.init) {
            let (_, below) = LayeredRoot.visible(name, in: dirs)
            for fd in dirs { close(fd) }
            dirs = below
            if dirs.isEmpty { return nil }
        }
        var st = stat()
        guard let top = dirs.first, fstat(top, &st) == 0 else { return nil }
        return st
    }
}
