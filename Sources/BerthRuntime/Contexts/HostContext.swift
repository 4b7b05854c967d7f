import BerthOS

/// A named remote host (`berth context create`): where `ssh` goes, and what the remote `berth`
/// is told. The local engine is the built-in context `default`, never stored.
public struct HostContext: Equatable, Sendable, Codable {
    public static let localName = "default"

    public var name: String
    public var destination: SSHDestination
    /// The remote state root (`--root` on the remote side); nil for the remote's own default.
    public var root: String?
    /// A private key for `ssh -i`; nil leaves the choice to ssh (its config, the agent).
    public var identity: String?
    public var description: String?

    public init(name: String, destination: SSHDestination, root: String? = nil, identity: String? = nil, description: String? = nil) {
        self.name = name; self.destination = destination; self.root = root; self.identity = identity; self.description = description
    }

    /// Checks what `create` was given: the name's grammar, an absolute root, an identity that
    /// cannot be read as an option, and no control characters in any of them.
    public func validate() throws(BerthError) {
        try ResourceName.validate(name, kind: .context)
        guard name != Self.localName else {
            throw .invalidArgument("the context name \(Self.localName.quoted) is reserved for the local engine")
        }
        if let root {
            guard root.hasPrefix("/"), !root.unicodeScalars.contains(where: Quoted.needsEscape) else {
                throw .invalidArgument("invalid --root \(root.quoted): the remote state root must be an absolute path")
            }
        }
        if let identity {
            guard !identity.isEmpty, !identity.hasPrefix("-"), !identity.unicodeScalars.contains(where: Quoted.needsEscape) else {
                throw .invalidArgument("invalid --identity \(identity.quoted): expected the path of a private key")
            }
        }
        if let description, description.unicodeScalars.contains(where: Quoted.needsEscape) {
            throw .invalidArgument("invalid --description \(description.quoted): control characters are not allowed")
        }
    }
}
