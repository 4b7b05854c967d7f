import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where `save` and `export` write their tar stream, as docker does: `-o FILE` (written beside it
/// and renamed when complete, so a failure or a kill never leaves half a file under that name),
/// else stdout, which must not be a terminal.
enum ArchiveOutput {
    static func write(to file: String?, verb: String, _ body: (Int32, String) throws -> Void) throws {
        guard let file else {
            guard isatty(STDOUT_FILENO) == 0 else {
                throw BerthError.invalidArgument("cowardly refusing to write an archive to a terminal: use -o FILE or redirect stdout (berth \(verb))")
            }
            try body(STDOUT_FILENO, "stdout")
            return
        }
        let tmp = file + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw BerthError.errno("create", tmp) }
        var done = false
        defer { close(fd); if !done { unlink(tmp) } }
        try body(fd, file)
        guard fchmod(fd, 0o644) == 0, fsync(fd) == 0 else { throw BerthError.errno("write", tmp) }
        guard rename(tmp, file) == 0 else { throw BerthError.errno("rename", file) }
        done = true
    }
}
