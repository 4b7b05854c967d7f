import BerthOS
import Foundation

/// The user's contexts, one file (`contexts.json` in `UserConfigDirectory`), mode 0600 in a 0700
/// directory: it names hosts and keys. Changes are read-modify-write under a lock and land with
/// one rename, so two `berth context` commands never lose each other's change and a reader sees
/// the old file or the new one.
public struct ContextStore: Sendable {
    /// The file's format version; a newer file is refused rather than rewritten without its fields.
    public static let version = 1

    public let directory: String
    public var path: String { directory + "/contexts.json" }

    public init(directory: String = UserConfigDirectory.path()) {
        self.directory = directory
    }

    struct File: Codable {
        var version: Int = ContextStore.version
        var current: String?
        var contexts: [HostContext] = []
    }

    /// The stored contexts, sorted by name.
    public func list() throws(BerthError) -> [HostContext] {
        try load().contexts.sorted { $0.name < $1.name }
    }

    /// The context `context use` chose; nil for the local engine.
    public func current() throws(BerthError) -> String? {
        try load().current
    }

    /// The named context; `default` is nil (the local engine); an unknown name throws.
    public func context(named name: String) throws(BerthError) -> HostContext? {
        if name == HostContext.localName { return nil }
        try ResourceName.validate(name, kind: .context)
        guard let c = try load().contexts.first(where: { $0.name == name }) else {
            throw .invalidArgument("no such context: \(name.quoted) (see 'berth context ls')")
        }
        return c
    }

    public func create(_ context: HostContext) throws(BerthError) {
        try context.validate()
        try update { file throws(BerthError) in
            guard !file.contexts.contains(where: { $0.name == context.name }) else {
                throw .invalidArgument("context \(context.name.quoted) already exists")
            }
            file.contexts.append(context)
        }
    }

    public func remove(_ name: String) throws(BerthError) {
        try ResourceName.validate(name, kind: .context)
        try update { file throws(BerthError) in
            guard file.contexts.contains(where: { $0.name == name }) else {
                throw .invalidArgument("no such context: \(name.quoted)")
            }
            file.contexts.removeAll { $0.name == name }
            if file.current == name { file.current = nil }
        }
    }

    /// Makes `name` the context of later commands (`default`: the local engine again).
    public func use(_ name: String) throws(BerthError) {
        try update { file throws(BerthError) in
            if name == HostContext.localName { file.current = nil; return }
            try ResourceName.validate(name, kind: .context)
            guard file.contexts.contains(where: { $0.name == name }) else {
                throw .invalidArgument("no such context: \(name.quoted) (see 'berth context ls')")
            }
            file.current = name
        }
    }

    func load() throws(BerthError) -> File {
        guard let bytes = FileIO.read(path, followLink: false) else {
            if errno == ENOENT { return File() }
            throw BerthError.errno("read", path)
        }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: Data(bytes)) } catch {
            throw .invalidArgument("\(path.quoted) is not a contexts file Berth can read (\(error.localizedDescription))")
        }
        guard file.version <= Self.version else {
            throw .invalidArgument("\(path.quoted) is version \(file.version) of the contexts file; this berth reads up to \(Self.version): use a newer berth")
        }
        return file
    }

    private func update(_ change: (inout File) throws(BerthError) -> Void) throws(BerthError) {
        do {
            try FileIO.mkdirs(directory, mode: 0o700)
            try FileLock.with(path + ".lock") {
                var file = try load()
                try change(&file)
                file.version = Self.version
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                var bytes = Array(try enc.encode(file))
                bytes.append(UInt8(ascii: "\n"))
                // A leftover temporary file would keep its mode through O_TRUNC.
                unlink(path + ".tmp")
                try FileIO.writeAtomically(path, bytes: bytes, mode: 0o600)
            }
        } catch let e as BerthError {
            throw e
        } catch {
            throw .invalidArgument("cannot write \(path.quoted): \(error)")
        }
    }
}
