import CNftables
import Foundation

/// nftables through libnftables, loaded on first use (`CNftables`). A script runs as one
/// transaction: the kernel applies all of it or none, so a process killed mid-change leaves the
/// rules as they were before or after, never half.
public enum NFTables {
    /// Whether libnftables can be loaded (loads it).
    public static var isAvailable: Bool { berth_nft_available() != 0 }

    /// Runs `script` (nft syntax) in the calling thread's network namespace.
    public static func run(_ script: String) throws {
        var error = [CChar](repeating: 0, count: 2048)
        let rc = berth_nft_run(script, &error, error.count)
        switch rc {
        case 0: return
        case -1: throw BerthError.invalidState("libnftables.so.1 is not installed (apt-get install libnftables1)")
        default:
            let why = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw BerthError.invalidState("nftables refused Berth's rules: " + Quoted.escapeControls(why.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
    }
}

/// A forwarding switch of the calling process's network namespace: `net.ipv4.ip_forward`, or
/// `net.ipv6.conf.all.forwarding` for IPv6 (which also makes the namespace ignore router
/// advertisements: a host that needs them must not run outbound IPv6 networks, as with docker).
public struct IPForwarding: Sendable {
    /// The sysctl's name, for messages.
    public let name: String
    let path: String

    public static let ipv4 = IPForwarding(name: "net.ipv4.ip_forward", path: "/proc/sys/net/ipv4/ip_forward")
    public static let ipv6 = IPForwarding(name: "net.ipv6.conf.all.forwarding", path: "/proc/sys/net/ipv6/conf/all/forwarding")

    public var isOn: Bool { FileIO.readString(path)?.hasPrefix("1") == true }

    /// Turns it on; true when it was off (so the caller says so).
    @discardableResult
    public func turnOn() throws -> Bool {
        if isOn { return false }
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BerthError.errno("open", path) }
        defer { close(fd) }
        guard write(fd, "1\n", 2) == 2 else { throw BerthError.errno("write", path) }
        return true
    }
}
