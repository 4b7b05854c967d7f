import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Service definitions on disk: `<root>/services/<name>.json`, written atomically, and a lock
/// file per service that every change (create, scale, remove) holds, so two `berth scale` calls
/// on one service run one after the other and never overshoot.
struct ServiceStore {
    let directory: String

    init(root: String) { directory = root + "/services" }

    func path(_ name: String) -> String { directory + "/" + name + ".json" }
    func lockPath(_ name: String) -> String { directory + "/" + name + ".lock" }

    /// Runs `body` holding the service's lock (created with the directory when missing).
    func locked<T>(_ name: String, _ body: () throws -> T) throws -> T {
        try FileIO.mkdirs(directory, mode: 0o700)
        return try FileLock.with(lockPath(name), body)
    }

    func load(_ name: String) throws -> ServiceSpec? {
        guard let bytes = FileIO.read(path(name)) else { return nil }
        do {
            return try JSONDecoder.berth.decode(ServiceSpec.self, from: Data(bytes))
        } catch {
            throw BerthError.corruptState("\(path(name)): \(error)")
        }
    }

    func save(_ spec: ServiceSpec) throws {
        try FileIO.mkdirs(directory, mode: 0o700)
        let enc = JSONEncoder.berth
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileIO.writeAtomically(path(spec.name), bytes: Array(try enc.encode(spec)), mode: 0o600)
    }

    func delete(_ name: String) throws {
        if unlink(path(name)) != 0 && errno != ENOENT { throw BerthError.errno("unlink", path(name)) }
    }

    /// Every stored service, by name. A file that vanishes mid-listing is skipped.
    func all() -> [ServiceSpec] {
        FileIO.entryNames(directory).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .map { String($0.dropLast(5)) }.sorted().compactMap { try? load($0) }
    }
}
