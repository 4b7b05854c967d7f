import BerthOS

/// Names that become path components under the state root: containers, services, compose
/// projects, networks. One grammar for all of them, docker's `[a-zA-Z0-9][a-zA-Z0-9_.-]*`,
/// checked before any file is opened, so `../../X` or `a/b` can never leave the directory
/// it is meant for.
public enum ResourceName {
    public enum Kind: String, Sendable {
        case container, service, project, network, volume, image, tag, context
    }

    public static let maximumLength = 128

    /// Returns `name` when it is a valid `kind` name, or throws one line that names the kind.
    @discardableResult
    public static func validate(_ name: String, kind: Kind, minimumLength: Int = 1,
                                maximumLength: Int = maximumLength) throws(BerthError) -> String {
        guard isValid(name, minimumLength: minimumLength, maximumLength: maximumLength) else {
            if name.unicodeScalars.count > maximumLength {
                throw .invalidArgument("invalid \(kind.rawValue) name \(Quoted.quote(String(name.prefix(40))))…: longer than \(maximumLength) characters")
            }
            throw .invalidArgument("invalid \(kind.rawValue) name \(name.quoted): only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        }
        return name
    }

    public static func isValid(_ name: String, minimumLength: Int = 1, maximumLength: Int = maximumLength) -> Bool {
        let scalars = name.unicodeScalars
        guard scalars.count >= minimumLength, scalars.count <= maximumLength, let first = scalars.first,
              isAlphanumeric(first) else { return false }
        return scalars.allSatisfy { isAlphanumeric($0) || $0 == "_" || $0 == "." || $0 == "-" }
    }

    private static func isAlphanumeric(_ u: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(u) || ("A"..."Z").contains(u) || ("0"..."9").contains(u)
    }
}
