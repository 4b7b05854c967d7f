import BerthOS

/// Names by DNS (issue 12): what the engine gives each container's DNS server
/// (`berth-shim/dns.c`, in its supervisor, at 127.0.0.11 inside its network namespace).
///
/// The engine keeps one membership file per network, `networks/names/NETWORK`, replaced by rename
/// whenever a member is created, started, stopped, removed, connected or disconnected (under the
/// networks' lock): the running members, one line each with the names they answer to there.
/// Each supervisor reads the files that list its own container and re-reads one only when it
/// changed, so nothing is written per member (the /etc/hosts of every member used to be).
public enum EmbeddedDNS {
    /// Where a container's resolver listens, as docker's embedded DNS.
    public static let address = "127.0.0.11"

    /// The membership files' directory in a root's `networks/`.
    static func directory(networks: String) -> String { networks + "/names" }

    /// One running member: its address on the network, its id (so a supervisor finds the
    /// networks it is on) and its names there (container name, hostname, aliases, service).
    struct Member: Equatable {
        var address: IPv4Address
        var id: String
        var names: [String]
        /// Its IPv6 address, on an IPv6 network: a second line, so a supervisor that reads
        /// IPv4 lines only (started before) skips it.
        var address6: IPv6Address? = nil
    }

    /// A network's membership file (the format `dns.c` reads; names hold no whitespace: they
    /// are validated as resource names or hostnames before they get here).
    static func render(subnet: IPv4Subnet, subnet6: IPv6Subnet? = nil, members: [Member]) -> String {
        var text = "# berth network names: the running members, read by their DNS servers\nsubnet \(subnet)\n"
        if let subnet6 { text += "subnet6 \(subnet6)\n" }
        for m in members {
            let names = m.names.filter { !$0.isEmpty && !$0.contains(where: \.isWhitespace) }
            guard !names.isEmpty else { continue }
            text += "\(m.address) \(m.id) \(names.joined(separator: " "))\n"
            if let a6 = m.address6 { text += "\(a6) \(m.id) \(names.joined(separator: " "))\n" }
        }
        return text
    }

    /// The IPv4 resolvers of a resolv.conf, in order, at most `LaunchPlan.DNS.maximumServers`.
    /// Loopback ones are kept: the supervisor forwards from the host's namespace, where they
    /// answer (docker forwards to those from the host's namespace too).
    static func servers(resolvConf: String) -> [IPv4Address] {
        var out: [IPv4Address] = []
        for line in resolvConf.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 2, words[0] == "nameserver", let ip = IPv4Address(String(words[1])), !out.contains(ip) else { continue }
            out.append(ip)
        }
        return Array(out.prefix(LaunchPlan.DNS.maximumServers))
    }

    /// A networked container's resolv.conf: its own server only, with the host's `search` and
    /// `options` lines (or `--dns-search`, `--dns-option`). `--dns` servers are where it
    /// forwards, not lines here (docker's embedded DNS does the same).
    static func containerResolvConf(host: String, search: [String], options: [String]) -> String {
        var lines = ["nameserver \(address)"]
        let hostLines = host.split(separator: "\n").map(String.init)
        func keep(_ keyword: String, _ values: [String]) {
            if values.isEmpty {
                lines += hostLines.filter { $0.hasPrefix(keyword + " ") || $0.hasPrefix(keyword + "\t") }
            } else {
                lines.append(keyword + " " + values.joined(separator: " "))
            }
        }
        keep("search", search)
        keep("options", options)
        return lines.joined(separator: "\n") + "\n"
    }
}
