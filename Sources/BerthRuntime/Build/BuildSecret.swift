import BerthOS
#if canImport(Glibc)
import Glibc
#endif

/// `berth build --secret id=ID,src=PATH` (or `env=VAR`): where a secret's bytes come from. Read
/// only when a `RUN --mount=type=secret` asks for its id, and never printed.
public struct BuildSecret: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case file(String)
        case environment(String)
    }

    public var id: String
    public var source: Source

    /// BuildKit's limit on a secret's size.
    static let limit = 500 << 10

    /// Parses `id=ID,src=PATH`, `id=ID,env=VAR` (also `source=`, `type=file|env`; an `id` alone
    /// reads the environment variable of that name, as docker does).
    public static func parse(_ text: String) throws -> BuildSecret {
        var fields: [String: String] = [:]
        for field in text.split(separator: ",") {
            guard let eq = field.firstIndex(of: "=") else { throw BerthError.invalidArgument("--secret \(text.quoted): expected id=ID,src=PATH or id=ID,env=VAR") }
            let key = String(field[..<eq]).lowercased()
            fields[key == "source" ? "src" : key] = String(field[field.index(after: eq)...])
        }
        guard let id = fields["id"] else { throw BerthError.invalidArgument("--secret \(text.quoted): id= is required") }
        try RunMount.checkName(id, what: "secret id")
        if let unknown = fields.keys.sorted().first(where: { !["id", "src", "env", "type"].contains($0) }) {
            throw BerthError.invalidArgument("--secret \(text.quoted): unknown option \(unknown.quoted)")
        }
        switch (fields["type"], fields["src"], fields["env"]) {
        case (nil, let src?, nil), ("file", let src?, nil): return BuildSecret(id: id, source: .file(src))
        case (nil, nil, let env?), ("env", nil, let env?), ("env", let env?, nil): return BuildSecret(id: id, source: .environment(env))
        case (nil, nil, nil), ("env", nil, nil): return BuildSecret(id: id, source: .environment(id))
        default: throw BerthError.invalidArgument("--secret \(text.quoted): give one of src=PATH or env=VAR")
        }
    }

    /// The secret's bytes; errors name the id and the file or variable, never the content.
    func read() throws -> [UInt8] {
        switch source {
        case .file(let path):
            guard let bytes = FileIO.read(path), bytes.count <= Self.limit else {
                throw BerthError.invalidArgument("secret \(id.quoted): cannot read \(path.quoted) (or it is larger than 500 KiB)")
            }
            return bytes
        case .environment(let name):
            guard let value = getenv(name).map({ String(cString: $0) }) else {
                throw BerthError.invalidArgument("secret \(id.quoted): the environment variable \(name.quoted) is not set")
            }
            return Array(value.utf8)
        }
    }
}
