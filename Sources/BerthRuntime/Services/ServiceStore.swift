import BerthOS
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

    /// The paths of a service's files; the name is checked first, so a name such as `../../x`
    /// never becomes a path outside `services/`.
    func path(_ name: String) throws -> String {
        directory + "/" + (try ResourceName.validate(name, kind: .service)) + ".json"
    }
    func lockPath(_ name: String) throws -> String {
        directory + "/" + (try ResourceName.validate(name, kind: .service)) + ".lock"
    }

    /// Runs `body` holding the service's lock (created with the directory when missing).
    func locked<T>(_ name: String, _ body: () throws -> T) throws -> T {
        let lock = try lockPath(name)
        try FileIO.mkdirs(directory, mode: 0o700)
        return try FileLock.with(lock, body)
    }

    func load(_ name: String) throws -> ServiceSpec? {
        let file = try path(name)
        guard let bytes = FileIO.read(file, followLink: false) else { return nil }
        do {
            return try JSONDecoder.berth.decode(ServiceSpec.self, from: Data(bytes))
        } catch {
            throw BerthError.corruptState("\(file): \(error)")
        }
    }

    func save(_ spec: ServiceSpec) throws {
        let file = try path(spec.name)
        try FileIO.mkdirs(directory, mode: 0o700)
        let enc = JSONEncoder.berth
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileIO.writeAtomically(file, bytes: Array(try enc.encode(spec)), mode: 0o600)
    }

    func delete(_ name: String) throws {
        let file = try path(name)
        if unlink(file) != 0 && errno != ENOENT { throw BerthError.errno("unlink", file) }
    }

    /// Every stored service, by name. A file that vanishes mid-listing is skipped.
    func all() -> [ServiceSpec] {
        FileIO.entryNames(directory).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .map { String($0.dropLast(5)) }.filter { ResourceName.isValid($0) }.sorted().compactMap { try? load($0) }
    }
}
