import BerthOS
import CBerthSys
#if canImport(Glibc)
import Glibc
#endif

/// A COPY/ADD heredoc source written into a step's root: a regular file whose content is the
/// heredoc's body, named by its delimiter, by COPY's destination rules.
enum InlineFile {
    /// Writes `content` at `dest` inside `root` — or at `dest/name` when `dest` ends in `/`, is a
    /// directory in the image, or there are several sources. Parents are made inside `root`
    /// (`BuildContext.makeDirectories`); whatever non-directory was at the path (a link in the
    /// image included) is replaced, never followed. Mode `mode` (0644 by default, as BuildKit),
    /// owner `owner` (root when nil).
    static func write(_ content: String, named name: String, to dest: String, severalSources: Bool, in root: Int32,
                      owner: (uid_t, gid_t)?, mode: mode_t) throws {
        let existingDir = berth_open_in_root(root, dest, berth_o_path() | O_DIRECTORY)
        if existingDir >= 0 { close(existingDir) }
        let intoDirectory = dest.hasSuffix("/") || severalSources || existingDir >= 0
        let slash = dest.lastIndex(of: "/") ?? dest.startIndex
        let (parentPath, fileName) = intoDirectory ? (dest, name) : (String(dest[..<slash]), String(dest[dest.index(after: slash)...]))
        let parent = try BuildContext.makeDirectories(parentPath, in: root)
        defer { close(parent) }
        if unlinkat(parent, fileName, 0) != 0 && errno != ENOENT {
            throw errno == EISDIR ? BerthError.invalidArgument("COPY failed: \((parentPath + "/" + fileName).quoted) is a directory in the image")
                                  : BerthError.errno("replace", parentPath + "/" + fileName)
        }
        let fd = openat(parent, fileName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BerthError.errno("create", parentPath + "/" + fileName) }
        defer { close(fd) }
        try FileIO.writeAll(fd: fd, Array(content.utf8), path: parentPath + "/" + fileName)
        // After the write: fchmod is not subject to the umask, and the owner's change would
        // otherwise clear set-id bits the mode asks for.
        if let (uid, gid) = owner, fchown(fd, uid, gid) != 0 { throw BerthError.errno("chown", parentPath + "/" + fileName) }
        guard fchmod(fd, mode) == 0 else { throw BerthError.errno("chmod", parentPath + "/" + fileName) }
    }
}
