import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The state root holds image layers (set-uid binaries included, as in the images) and the
/// writable layers of containers: if an unprivileged host user could walk into them, a
/// set-uid-root copy of any program would be one `ps` away. So the root and every directory
/// Berth keeps at its top level are 0700 (docker keeps its root at 0710/0700); directories
/// below may keep the modes of the image they came from, unreachable behind them.
enum StorePermissions {
    static let mode: mode_t = 0o700

    /// The directories at the top of the root that hold something; checked at every start.
    static let topLevel = ["containers", "layers", "tmp", "names", "networks", "services", "volumes"]

    /// Creates the root (and `containers/`) at 0700 when missing, and repairs the root and its
    /// existing top-level directories when they are more open, telling `report` once per path.
    static func secure(root: String, report: (String) -> Void) throws {
        if let slash = root.lastIndex(of: "/"), slash != root.startIndex {
            try FileIO.mkdirs(String(root[..<slash]))
        }
        for path in [root, root + "/containers"] where mkdir(path, mode) != 0 && errno != EEXIST {
            throw BerthError.errno("mkdir", path)
        }
        for path in [root] + topLevel.map({ root + "/" + $0 }) {
            var st = stat()
            // The root may be a symlink the administrator chose; below it, only real directories count.
            let found = path == root ? stat(path, &st) : lstat(path, &st)
            guard found == 0, (st.st_mode & S_IFMT) == S_IFDIR else { continue }
            let permissions = st.st_mode & 0o7777
            guard permissions & 0o077 != 0 else { continue }
            guard chmod(path, mode) == 0 else { throw BerthError.errno("chmod", path) }
            report("repaired permissions of \(Quoted.escapeControls(path)) (was \(octal(permissions)))")
        }
    }

    static func octal(_ m: mode_t) -> String {
        let digits = String(m, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
