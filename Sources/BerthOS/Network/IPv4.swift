import Foundation

/// An IPv4 address as four bytes.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard let b = UInt8(p), String(b) == p else { return nil }
            v = v << 8 | UInt32(b)
        }
        value = v
    }

    public var bytes: [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)] }
    public var description: String { bytes.map(String.init).joined(separator: ".") }
    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }

    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let a = IPv4Address(s) else { throw BerthError.invalidArgument("invalid IPv4 address \(s.quoted)") }
        self = a
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// `10.213.0.0/16`.
public struct IPv4Subnet: Hashable, Sendable, CustomStringConvertible, Codable {
    public var network: IPv4Address
    public var prefix: UInt8

    public init(network: IPv4Address, prefix: UInt8) {
        self.prefix = prefix
        self.network = IPv4Address(network.value & Self.mask(prefix))
    }

    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let addr = IPv4Address(String(parts[0])), let p = UInt8(parts[1]), (8...30).contains(p) else {
            throw BerthError.invalidArgument("invalid subnet \(text.quoted): expected a.b.c.d/N with N between 8 and 30")
        }
        self.init(network: addr, prefix: p)
    }

    static func mask(_ prefix: UInt8) -> UInt32 { prefix == 0 ? 0 : ~UInt32(0) << (32 - UInt32(prefix)) }

    public var description: String { "\(network)/\(prefix)" }
    /// The first host address: the bridge's own.
    public var gateway: IPv4Address { IPv4Address(network.value + 1) }
    public var broadcast: IPv4Address { IPv4Address(network.value | ~Self.mask(prefix)) }
    public func contains(_ a: IPv4Address) -> Bool { a.value & Self.mask(prefix) == network.value }
    /// Whether the two share an address (one contains the other's network address).
    public func overlaps(_ other: IPv4Subnet) -> Bool { contains(other.network) || other.contains(network) }

    public init(from decoder: Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
