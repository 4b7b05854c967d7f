import Foundation

/// An IPv6 address as two 64-bit halves (network order: `high` holds the first eight bytes), so
/// prefixes are masks and the next address is an addition.
public struct IPv6Address: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }

    /// RFC 4291 text: eight groups of 1–4 hex digits, one `::` for a run of zero groups. No zone
    /// (`%eth0`) and no embedded IPv4 (`::ffff:1.2.3.4`): neither names a network's address.
    public init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count <= 39, text.allSatisfy({ $0.isHexDigit || $0 == ":" }) else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(g.count), let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
            all += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        self.init(groups: all)
    }

    init(groups g: [UInt16]) {
        high = g[0..<4].reduce(0) { $0 << 16 | UInt64($1) }
        low = g[4..<8].reduce(0) { $0 << 16 | UInt64($1) }
    }

    public var groups: [UInt16] {
        (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64($0))) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64($0))) }
    }

    public var bytes: [UInt8] { groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] } }

    /// RFC 5952's form: lower case, no leading zeros, the longest run of two or more zero groups
    /// (the first of equal runs) as `::` — one text per address, so stored and shown forms compare.
    public var description: String {
        let g = groups
        var best = (start: -1, count: 0), run = (start: -1, count: 0)
        for (i, v) in g.enumerated() {
            if v == 0 {
                run = run.start < 0 ? (i, 1) : (run.start, run.count + 1)
                if run.count > best.count { best = run }
            } else {
                run = (-1, 0)
            }
        }
        let hex = g.map { String($0, radix: 16) }
        guard best.count >= 2 else { return hex.joined(separator: ":") }
        return hex[..<best.start].joined(separator: ":") + "::" + hex[(best.start + best.count)...].joined(separator: ":")
    }

    public static func < (a: IPv6Address, b: IPv6Address) -> Bool { (a.high, a.low) < (b.high, b.low) }

    /// This address plus `n` (wrapping within the 128 bits).
    public func adding(_ n: UInt64) -> IPv6Address {
        let (low, carry) = low.addingReportingOverflow(n)
        return IPv6Address(high: carry ? high &+ 1 : high, low: low)
    }

    /// fc00::/7: unique local addresses, private to a site (RFC 4193).
    public var isUniqueLocal: Bool { high >> 57 == 0x7e }
    /// 2000::/3: global unicast.
    public var isGlobalUnicast: Bool { high >> 61 == 0b001 }

    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let a = IPv6Address(s) else { throw BerthError.invalidArgument("invalid IPv6 address \(s.quoted)") }
        self = a
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// `fd62:6572:7468:1::/64`.
public struct IPv6Subnet: Hashable, Sendable, CustomStringConvertible, Codable {
    public var network: IPv6Address
    public var prefix: UInt8

    /// The prefix lengths a network may have: a /48 is a whole site, /120 leaves 256 addresses.
    public static let allowedPrefixes: ClosedRange<UInt8> = 48...120

    /// Any prefix (0–128); the host bits of `network` are cleared. Routes of the host use it as is.
    public init(network: IPv6Address, prefix: UInt8) {
        self.prefix = min(prefix, 128)
        let (h, l) = Self.mask(self.prefix)
        self.network = IPv6Address(high: network.high & h, low: network.low & l)
    }

    /// A network's subnet as a user writes it: a prefix of `allowedPrefixes` in unique-local or
    /// global unicast space (link-local, multicast, loopback and the rest are no network's).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let addr = IPv6Address(String(parts[0])), let p = UInt8(parts[1]), String(p) == parts[1] else {
            throw BerthError.invalidArgument("invalid IPv6 subnet \(text.quoted): expected an address/N such as fd00:1:2:3::/64")
        }
        guard Self.allowedPrefixes.contains(p) else {
            throw BerthError.invalidArgument("invalid IPv6 subnet \(text.quoted): the prefix length must be between 48 and 120")
        }
        guard addr.isUniqueLocal || addr.isGlobalUnicast else {
            throw BerthError.invalidArgument("invalid IPv6 subnet \(text.quoted): not unique-local (fc00::/7) or global unicast (2000::/3)")
        }
        self.init(network: addr, prefix: p)
    }

    static func mask(_ prefix: UInt8) -> (UInt64, UInt64) {
        func part(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? ~0 : ~UInt64(0) << UInt64(64 - bits) }
        return (part(Int(prefix)), part(Int(prefix) - 64))
    }

    public var description: String { "\(network)/\(prefix)" }
    /// The first address after the subnet-router anycast one: the bridge's own.
    public var gateway: IPv6Address { network.adding(1) }
    /// The subnet's last address.
    public var last: IPv6Address {
        let (h, l) = Self.mask(prefix)
        return IPv6Address(high: network.high | ~h, low: network.low | ~l)
    }
    public func contains(_ a: IPv6Address) -> Bool {
        let (h, l) = Self.mask(prefix)
        return a.high & h == network.high && a.low & l == network.low
    }
    /// Whether the two share an address (one contains the other's network address).
    public func overlaps(_ other: IPv6Subnet) -> Bool { contains(other.network) || other.contains(network) }

    public init(from decoder: Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
