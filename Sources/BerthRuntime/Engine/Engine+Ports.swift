import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The ports a new container publishes: its `-p` mappings, then with `-P` every exposed port
/// (the image's `ExposedPorts` and `--expose`, TCP and UDP) not published already, each ephemeral port
/// chosen now so the record (`berth port`, `inspect`, the supervisor's listener, the DNAT rule)
/// holds the real one.
extension Engine {
    static func publishedPorts(_ request: ContainerRequest, exposedByImage: [String]) throws -> [PortMapping] {
        var ports = request.ports
        if request.publishAll {
            // The image's entries are "80/tcp", "53/udp"; other protocols (sctp) are skipped.
            let exposed = (exposedByImage + request.exposedPorts).flatMap { (try? PortMapping.exposed($0)) ?? [] }
            for p in exposed where !ports.contains(where: { $0.containerPort == p.containerPort && $0.proto == p.proto }) {
                ports.append(p)
            }
        }
        guard ports.count <= LaunchPlan.maximumPorts else {
            throw BerthError.invalidArgument("too many published ports (\(ports.count)): one container publishes at most \(LaunchPlan.maximumPorts)")
        }
        // TCP and UDP are separate port spaces: 53/tcp and 53/udp may share a host port.
        for i in ports.indices where ports[i].hostPort == 0 {
            let taken = Set(ports.filter { $0.proto == ports[i].proto && $0.hostPort != 0 }.map(\.hostPort))
            ports[i].hostPort = try ephemeralPort(on: ports[i].hostIP, proto: ports[i].proto, avoiding: taken)
        }
        return ports
    }

    /// A TCP or UDP port the kernel calls free on `address` now (bound to port 0 and read back), as
    /// docker picks from the ephemeral range. The supervisor binds it at start; a port taken
    /// meanwhile fails that start with "address in use", as a fixed port would.
    static func ephemeralPort(on address: IPv4Address, proto: PortMapping.Proto, avoiding taken: Set<UInt16>) throws -> UInt16 {
        let type = proto == .udp ? SOCK_DGRAM : SOCK_STREAM
        for _ in 0..<16 {
            let fd = socket(AF_INET, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw BerthError.errno("socket") }
            defer { close(fd) }
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_addr.s_addr = address.value.bigEndian
            sa.sin_port = 0
            let bound = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard bound == 0 else { throw BerthError.invalidArgument("cannot publish on \(address): \(String(cString: strerror(errno)))") }
            var out = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &out) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
            let port = UInt16(bigEndian: out.sin_port)
            if port != 0 && !taken.contains(port) { return port }
        }
        throw BerthError.invalidState("no free ephemeral port on \(address)")
    }
}
