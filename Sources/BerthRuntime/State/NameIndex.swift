import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `ROOT/names/<name>` is a symlink to the container id holding the name: claiming a name is one
/// `symlink(2)`, which fails if it is taken, and resolving one is one `readlink(2)`.
struct NameIndex {
    let directory: String

    init(root: String) { directory = root + "/names" }

    func id(of name: String) -> String? {
        guard ResourceName.isValid(name) else { return nil }
        var buf = [CChar](repeating: 0, count: 128)
        let n = readlink(directory + "/" + name, &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Takes `name` for `id`, replacing a stale link (the caller checked its holder is gone).
    func claim(_ name: String, for id: String) throws {
        try ResourceName.validate(name, kind: .container)
        try FileIO.mkdirs(directory, mode: 0o700)
        let path = directory + "/" + name
        if symlink(id, path) == 0 { return }
        guard errno == EEXIST else { throw BerthError.errno("claim name", path) }
        let tmp = directory + "/.claim-" + id
        unlink(tmp)
        guard symlink(id, tmp) == 0, rename(tmp, path) == 0 else { throw BerthError.errno("claim name", path) }
    }

    /// Frees `name` if `id` still holds it.
    func release(_ name: String, of id: String) {
        if ResourceName.isValid(name), self.id(of: name) == id { unlink(directory + "/" + name) }
    }

    func all() -> Set<String> {
        Set(FileIO.entryNames(directory).filter { !$0.hasPrefix(".") })
    }
}
