import BerthOCI

/// One checked device cgroup rule: allow or deny some access to a class of devices. Made from a
/// `linux.resources.devices` entry (`init(_:field:)`) or docker's `--device-cgroup-rule` text
/// (`parse(_:)`); the v1 writer prints it as a `devices.allow`/`devices.deny` line and the v2
/// program generator (`DeviceFilterProgram`) compiles it.
public struct DeviceRule: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case all = "a", char = "c", block = "b"
    }

    /// The access bits, with the values of the kernel's BPF_DEVCG_ACC_* flags.
    public struct Access: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let mknod = Access(rawValue: 1)
        public static let read = Access(rawValue: 2)
        public static let write = Access(rawValue: 4)
        public static let all: Access = [.read, .write, .mknod]

        /// "rwm" in that order, as the kernel's devices.list prints it.
        public var text: String {
            (contains(.read) ? "r" : "") + (contains(.write) ? "w" : "") + (contains(.mknod) ? "m" : "")
        }
    }

    /// The largest device numbers Linux has (12 bits of major, 20 of minor in a kernel dev_t):
    /// a bigger number can name no device, so it is a mistake, not a rule.
    public static let maxMajor: Int64 = 0xfff
    public static let maxMinor: Int64 = 0xfffff

    public var allow: Bool
    public var kind: Kind
    /// nil: every major (`*`); ignored for `.all`.
    public var major: UInt32?
    public var minor: UInt32?
    public var access: Access

    public init(allow: Bool, kind: Kind, major: UInt32? = nil, minor: UInt32? = nil, access: Access = .all) {
        self.allow = allow; self.kind = kind; self.major = major; self.minor = minor; self.access = access
    }

    /// A `linux.resources.devices` entry, checked. `field` names it in errors
    /// ("linux.resources.devices[2]"; empty for a command-line rule). An absent type is "a", absent numbers are "*", an absent
    /// access is "rwm", as the runtime-spec says.
    public init(_ entry: OCI.DeviceCgroup, field: String) throws(BerthError) {
        allow = entry.allow
        let type = entry.type ?? "a"
        guard let kind = Kind(rawValue: type) else {
            throw BerthError.invalidArgument("\(Self.member(field, "type")) \(type.quoted) is not a device type (a, c or b)")
        }
        self.kind = kind
        major = try Self.number(entry.major, max: Self.maxMajor, field: Self.member(field, "major"))
        minor = try Self.number(entry.minor, max: Self.maxMinor, field: Self.member(field, "minor"))
        access = try Self.access(entry.access ?? "rwm", field: Self.member(field, "access"))
    }

    /// docker's `--device-cgroup-rule` syntax: `TYPE MAJOR:MINOR ACCESS` (`c 1:3 rwm`, `b *:* m`,
    /// `a`), an allow rule.
    public static func parse(_ text: String) throws(BerthError) -> OCI.DeviceCgroup {
        let bad = { (why: String) in BerthError.invalidArgument("--device-cgroup-rule \(text.quoted): \(why)") }
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let type = words.first, Kind(rawValue: type) != nil else {
            throw bad("the type must be a, c or b (e.g. 'c 1:3 rwm')")
        }
        if type == "a" && words.count == 1 { return OCI.DeviceCgroup(allow: true, type: "a", access: "rwm") }
        guard words.count == 3 else { throw bad("expected TYPE MAJOR:MINOR ACCESS, e.g. 'c 1:3 rwm'") }
        let numbers = words[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard numbers.count == 2 else { throw bad("expected MAJOR:MINOR, e.g. 1:3 or *:*") }
        func number(_ s: String) throws(BerthError) -> Int64? {
            if s == "*" { return nil }
            guard !s.isEmpty, s.allSatisfy(\.isASCIIDigit), let n = Int64(s) else {
                throw bad("\(s.quoted) is not a device number or *")
            }
            return n
        }
        let rule = OCI.DeviceCgroup(allow: true, type: type, major: try number(numbers[0]), minor: try number(numbers[1]),
                                    access: words[2])
        do { _ = try DeviceRule(rule, field: "") } catch { throw bad(error.description) }
        return rule
    }

    /// The line written to v1's devices.allow or devices.deny.
    public var description: String {
        if kind == .all { return "a *:* \(access.text)" }
        return "\(kind.rawValue) \(major.map(String.init) ?? "*"):\(minor.map(String.init) ?? "*") \(access.text)"
    }

    /// Back to the runtime-spec's form (for config.json).
    public var entry: OCI.DeviceCgroup {
        OCI.DeviceCgroup(allow: allow, type: kind.rawValue, major: major.map(Int64.init), minor: minor.map(Int64.init),
                         access: access.text)
    }

    /// "linux.resources.devices[1].access", or "access" for a rule of the command line.
    private static func member(_ field: String, _ name: String) -> String { field.isEmpty ? name : field + "." + name }

    private static func number(_ value: Int64?, max: Int64, field: String) throws(BerthError) -> UInt32? {
        guard let value else { return nil }
        // runc reads -1 as "*": kept, as bundles written for runc use it.
        if value == -1 { return nil }
        guard value >= 0 && value <= max else {
            throw BerthError.invalidArgument("\(field) \(value) is out of range (0 to \(max), or absent for all)")
        }
        return UInt32(value)
    }

    private static func access(_ text: String, field: String) throws(BerthError) -> Access {
        var access: Access = []
        for c in text {
            switch c {
            case "r": access.insert(.read)
            case "w": access.insert(.write)
            case "m": access.insert(.mknod)
            default:
                throw BerthError.invalidArgument("\(field) \(text.quoted) may hold only r, w and m")
            }
        }
        guard !access.isEmpty else { throw BerthError.invalidArgument("\(field) is empty: give some of r, w and m") }
        return access
    }
}
