import BerthOS
import Foundation

/// `-p [IP:]HOSTPORT:CONTAINERPORT[/tcp]`: a TCP port on the host (loopback by default) that the
/// container's supervisor forwards to the container's address.
public struct PortMapping: Codable, Sendable, Equatable, CustomStringConvertible {
    public var hostIP: IPv4Address
    public var hostPort: UInt16
    public var containerPort: UInt16

    public init(hostIP: IPv4Address, hostPort: UInt16, containerPort: UInt16) {
        self.hostIP = hostIP; self.hostPort = hostPort; self.containerPort = containerPort
    }

    public init(parsing text: String) throws {
        var spec = Substring(text)
        if spec.hasSuffix("/tcp") { spec = spec.dropLast(4) }
        if spec.contains("/") { throw BerthError.invalidArgument("invalid port \(text.quoted): only tcp is supported") }
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func port(_ s: String) throws -> UInt16 {
            guard let p = UInt16(s), p > 0 else {
                throw BerthError.invalidArgument("invalid port \(text.quoted): expected [IP:]HOSTPORT:CONTAINERPORT with ports 1-65535")
            }
            return p
        }
        switch parts.count {
        case 2:
            self.init(hostIP: IPv4Address(0x7f00_0001), hostPort: try port(parts[0]), containerPort: try port(parts[1]))
        case 3:
            guard let ip = IPv4Address(parts[0]) else { throw BerthError.invalidArgument("invalid port \(text.quoted): bad address \(parts[0])") }
            self.init(hostIP: ip, hostPort: try port(parts[1]), containerPort: try port(parts[2]))
        default:
            throw BerthError.invalidArgument("invalid port \(text.quoted): expected [IP:]HOSTPORT:CONTAINERPORT")
        }
    }

    public var description: String { "\(hostIP):\(hostPort)->\(containerPort)/tcp" }
}
