import BerthOS
import Foundation

/// `-p [IP:][HOSTPORT[-END]:]CONTAINERPORT[-END][/tcp|/udp]`: a TCP or UDP port on the host
/// that the container's supervisor forwards to the container's address (and, with outbound access
/// on, the kernel too: docs/networking.md). `hostPort` 0 means ephemeral: the engine picks a free
/// one at create and records it.
public struct PortMapping: Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Proto: String, Codable, Sendable, Comparable {
        case tcp, udp
        public static func < (a: Proto, b: Proto) -> Bool { a.rawValue < b.rawValue }
    }

    public var hostIP: IPv4Address
    public var hostPort: UInt16
    public var containerPort: UInt16
    /// Records written before UDP was published have no `proto`: tcp.
    public var proto: Proto

    /// Docker's default: every address of the host. (Tests bind 127.0.0.1 explicitly.)
    public static let defaultHostIP = IPv4Address(0)

    public init(hostIP: IPv4Address, hostPort: UInt16, containerPort: UInt16, proto: Proto = .tcp) {
        self.hostIP = hostIP; self.hostPort = hostPort; self.containerPort = containerPort; self.proto = proto
    }

    enum CodingKeys: String, CodingKey { case hostIP, hostPort, containerPort, proto }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(hostIP: try c.decode(IPv4Address.self, forKey: .hostIP), hostPort: try c.decode(UInt16.self, forKey: .hostPort),
                  containerPort: try c.decode(UInt16.self, forKey: .containerPort),
                  proto: try c.decodeIfPresent(Proto.self, forKey: .proto) ?? .tcp)
    }

    /// docker's name of the container side: "80/tcp", "53/udp" (`ExposedPorts`, `NetworkSettings.Ports`).
    public var containerSide: String { "\(containerPort)/\(proto.rawValue)" }

    /// One `-p` value: one mapping, or one per port of a range (`8000-8002:80-82`). Refused with
    /// a one-line reason: a port out of 1-65535, a backwards or mismatched range, a range longer
    /// than one container publishes, a bad address, a protocol other than tcp or udp (lowercase, as
    /// docker writes them; anything after the protocol, spaces too).
    public static func parse(_ text: String) throws -> [PortMapping] {
        func bad(_ why: String) -> BerthError { BerthError.invalidArgument("invalid port \(text.quoted): \(why)") }
        var spec = Substring(text)
        var proto = Proto.tcp
        // The first slash: everything after it names the one protocol of the whole spec, so
        // "80/udp/tcp" and "53/udp-54/tcp" (a range mixing protocols) are refused, never split.
        if let slash = spec.firstIndex(of: "/") {
            let name = String(spec[spec.index(after: slash)...])
            guard let p = Proto(rawValue: name) else {
                let hint = name.contains("/") || name.contains("-") ? " (one protocol, after the whole spec: 53-54/udp)" : ""
                throw bad("unknown protocol \(name.quoted): tcp or udp\(hint)")
            }
            proto = p
            spec = spec[..<slash]
        }
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func range(_ s: String, _ what: String) throws -> ClosedRange<UInt16> {
            let ends = s.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            func port(_ p: String) throws -> UInt16 {
                guard p.count <= 5, let n = UInt16(p), n > 0 else { throw bad("\(what) \(p.quoted) is not a port in 1-65535") }
                return n
            }
            let lo = try port(ends[0]), hi = ends.count > 1 ? try port(ends[1]) : lo
            guard lo <= hi else { throw bad("\(what) range \(s) ends before it starts") }
            return lo...hi
        }
        let ip: IPv4Address, host: ClosedRange<UInt16>?, container: ClosedRange<UInt16>
        switch parts.count {
        case 1:
            ip = defaultHostIP; host = nil; container = try range(parts[0], "container port")
        case 2:
            ip = defaultHostIP; host = try range(parts[0], "host port"); container = try range(parts[1], "container port")
        case 3:
            guard let a = IPv4Address(parts[0]) else { throw bad("bad address \(parts[0].quoted): expected IPv4") }
            ip = a
            host = parts[1].isEmpty ? nil : try range(parts[1], "host port")
            container = try range(parts[2], "container port")
        default:
            throw bad("expected [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp]")
        }
        let count = container.count
        guard count <= LaunchPlan.maximumPorts else {
            throw bad("a range of \(count) ports: one container publishes at most \(LaunchPlan.maximumPorts)")
        }
        if let host, host.count != count {
            throw bad("host range \(host.lowerBound)-\(host.upperBound) and container range \(container.lowerBound)-\(container.upperBound) differ in length")
        }
        return (0..<count).map { i in
            PortMapping(hostIP: ip, hostPort: host.map { $0.lowerBound + UInt16(i) } ?? 0, containerPort: container.lowerBound + UInt16(i),
                        proto: proto)
        }
    }

    /// Several `-p` values (or compose `ports:`), in order.
    public static func parse(all texts: [String]) throws -> [PortMapping] { try texts.flatMap { try parse($0) } }

    /// `--expose PORT[-END][/tcp|/udp]` and the image's `ExposedPorts` ("80/tcp", "53/udp"):
    /// container ports `-P` publishes on ephemeral ports of every host address. A text with a
    /// host part is refused (`--expose` names container ports only).
    public static func exposed(_ text: String) throws -> [PortMapping] {
        guard !text.contains(":") else {
            throw BerthError.invalidArgument("invalid port \(text.quoted): expected PORT[-END][/tcp|/udp], a container port")
        }
        return try parse(text)
    }

    public var description: String { "\(hostIP):\(hostPort)->\(containerSide)" }
}
