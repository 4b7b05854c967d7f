import Foundation
import BerthTestSupport

/// Names as a container sees them through its DNS server (`berth-shim/dns.c`): busybox's
/// `nslookup`, which asks the resolv.conf's server (127.0.0.11) and prints what it answered.
extension BerthCLI {
    /// The IPv4 addresses `name` resolves to inside `container`, in the order answered; [] when
    /// it does not resolve. Only "Address: IP" lines count (the server's own line has a port).
    func lookup(_ container: String, _ name: String) -> [String] {
        let r = run(["exec", container, "nslookup", "-type=a", name])
        return Self.addresses(inNslookup: r.stdout)
    }

    /// The IPv6 addresses `name` resolves to (AAAA) inside `container`, in the order answered.
    func lookup6(_ container: String, _ name: String) -> [String] {
        let r = run(["exec", container, "nslookup", "-type=aaaa", name])
        return Self.addresses(inNslookup: r.stdout, ipv6: true)
    }

    static func addresses(inNslookup text: String, ipv6: Bool = false) -> [String] {
        var out: [String] = []
        var answers = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("Name:") { answers = true; continue }
            guard answers, line.hasPrefix("Address:") else { continue }
            let value = line.dropFirst("Address:".count).trimmingCharacters(in: .whitespaces)
            if ipv6 ? value.contains(":") && !value.contains("#") : value.split(separator: ".").count == 4 && !value.contains(":") {
                out.append(value)
            }
        }
        return out
    }
}
