import BerthOS

/// Where a remote context points: `ssh://[user@]host[:port]`, as docker and podman write it.
/// Every part is checked here, once, because each becomes an argument of `ssh`: a host or user
/// that began with `-` would be read as an option (`-oProxyCommand=…`), and whitespace or
/// control characters have no place in either.
public struct SSHDestination: Equatable, Sendable, Codable {
    public var user: String?
    /// A host name, an IPv4 address, or an IPv6 address without its brackets.
    public var host: String
    public var port: Int?

    public init(user: String? = nil, host: String, port: Int? = nil) {
        self.user = user; self.host = host; self.port = port
    }

    /// Parses and validates `ssh://[user@]host[:port]` (a trailing `/` is allowed, nothing after it).
    public static func parse(_ text: String) throws(BerthError) -> SSHDestination {
        func bad(_ why: String) -> BerthError {
            .invalidArgument("invalid host \(text.quoted): \(why); expected ssh://[user@]host[:port]")
        }
        guard text.hasPrefix("ssh://") else { throw bad("only ssh:// hosts are supported") }
        var rest = Substring(text.dropFirst("ssh://".count))
        if rest.hasSuffix("/") { rest.removeLast() }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("#") else { throw bad("a path is not allowed") }
        var user: String?
        if let at = rest.lastIndex(of: "@") {
            let u = String(rest[..<at])
            guard isValidUser(u) else { throw bad("the user must be [A-Za-z0-9_.-] and not begin with '-'") }
            user = u
            rest = rest[rest.index(after: at)...]
        }
        var host: String
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw bad("an IPv6 address needs its closing ']'") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw bad("unexpected text after ']'") }
                portText = after.dropFirst()
            }
            guard !host.isEmpty, host.unicodeScalars.allSatisfy({ isHex($0) || $0 == ":" || $0 == "." }) else {
                throw bad("not an IPv6 address")
            }
        } else {
            if let colon = rest.firstIndex(of: ":") {
                portText = rest[rest.index(after: colon)...]
                rest = rest[..<colon]
            }
            host = String(rest)
            guard isValidHostName(host) else {
                throw bad("the host must be a name or address of [A-Za-z0-9.-] that does not begin with '-'")
            }
        }
        var port: Int?
        if let p = portText {
            guard !p.isEmpty, p.count <= 5, p.allSatisfy(\.isASCIIDigit), let n = Int(p), (1...65535).contains(n) else {
                throw bad("the port must be a number from 1 to 65535")
            }
            port = n
        }
        return SSHDestination(user: user, host: host, port: port)
    }

    /// The URL again, in the form `parse` reads.
    public var url: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "ssh://" + (user.map { $0 + "@" } ?? "") + h + (port.map { ":\($0)" } ?? "")
    }

    static func isValidUser(_ u: String) -> Bool {
        guard let first = u.unicodeScalars.first, first != "-", u.unicodeScalars.count <= 64 else { return false }
        return u.unicodeScalars.allSatisfy { isAlnum($0) || $0 == "_" || $0 == "." || $0 == "-" }
    }

    static func isValidHostName(_ h: String) -> Bool {
        guard let first = h.unicodeScalars.first, first != "-", first != ".", h.unicodeScalars.count <= 253 else { return false }
        return h.unicodeScalars.allSatisfy { isAlnum($0) || $0 == "." || $0 == "-" }
    }

    private static func isAlnum(_ u: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(u) || ("A"..."Z").contains(u) || ("0"..."9").contains(u)
    }

    private static func isHex(_ u: Unicode.Scalar) -> Bool {
        ("a"..."f").contains(u) || ("A"..."F").contains(u) || ("0"..."9").contains(u)
    }
}
