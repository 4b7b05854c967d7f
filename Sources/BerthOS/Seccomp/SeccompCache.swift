import BerthOCI
import Foundation

/// Compiled filters kept by profile in a directory of the state root: docker's default profile
/// compiles to the same ≈ 1000 instructions for every container with the default capabilities,
/// and libseccomp takes milliseconds to build them (more than the rest of a `run`), as crun's
/// cache also recognises. An entry is the profile's canonical JSON, a NUL, then the program; it
/// is used only when that JSON equals the wanted one byte for byte (the file name is a hash, so
/// a collision costs a compile, never a wrong filter). The key includes libseccomp's version, so
/// an upgrade that knows more system call names compiles afresh. Removing the directory is safe.
public struct SeccompCache: Sendable {
    public let directory: String
    /// More entries than this (custom profiles) and the directory is emptied before a write.
    static let maximumEntries = 64

    public init(directory: String) {
        self.directory = directory
    }

    public func filter(for s: OCI.Seccomp) throws(SeccompNames.Problem) -> SeccompFilter {
        try SeccompNames.check(s)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let json = try? encoder.encode(s) else { return try SeccompCompiler.compile(s) }
        var key = [UInt8](json)
        key += Array("\0libseccomp \(SeccompCompiler.libraryVersion())".utf8)
        let path = directory + "/" + Self.fnv1a(key) + ".bpf"
        let flags = (s.flags ?? []).reduce(UInt32(0)) { $0 | (SeccompNames.flag($1) ?? 0) }
        if let entry = FileIO.read(path, followLink: false), entry.count > key.count + 1,
           entry[key.count] == 0, entry.starts(with: key), (entry.count - key.count - 1) % 8 == 0 {
            return SeccompFilter(program: Array(entry[(key.count + 1)...]), flags: flags)
        }
        let filter = try SeccompCompiler.compile(s)
        store(key: key, program: filter.program, at: path)
        return filter
    }

    /// Best effort: a state root that cannot be written only costs the next compile.
    private func store(key: [UInt8], program: [UInt8], at path: String) {
        guard (try? FileIO.mkdirs(directory, mode: 0o700)) != nil else { return }
        let entries = FileIO.entryNames(directory)
        if entries.count >= Self.maximumEntries {
            for name in entries where name.hasSuffix(".bpf") || name.hasPrefix(".") { unlink(directory + "/" + name) }
        }
        try? FileIO.writeAtomically(path, bytes: key + [0] + program, mode: 0o600)
    }

    static func fnv1a(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return Hex.lowercase(withUnsafeBytes(of: h.bigEndian) { Array($0) })
    }
}
