import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// IPv6 networks (issue 12): `network create --ipv6` with a subnet given or chosen from Berth's
/// unique-local pool, shown by `inspect` (docker's `EnableIPv6`, `IPAM.Config`) and `ls`, the
/// bridge's IPv6 gateway address usable at once (no duplicate address detection), and every
/// hostile or conflicting request refused in one line with exit 125 and nothing defined. Layer 2
/// only (the root's outbound setting is off, as for every test on the real host). Each test
/// removes its networks; the per-test leak check finds any network or bridge left.
final class IPv6NetworkTests: ContainerTestCase {
    override class var rootLabel: String { "v6net" }

    /// A /64 of fd00:b6::/32 of this test process, `k` apart (other roots seldom pick it).
    func subnet6(_ k: Int) -> String { "fd00:b6:\(String(Int(getpid()) % 60000 + k, radix: 16))::/64" }

    func cleanUp(networks: [String]) {
        addTeardownBlock { [cli] in
            for n in networks { cli.run(["network", "rm", n]) }
        }
    }

    func inspectNetwork(_ name: String) throws -> [String: Any] {
        try XCTUnwrap(try cli.json(["network", "inspect", name]) as? [String: Any])
    }

    /// The IPv6 addresses of interface `name` on the host with their `/proc/net/if_inet6` flags.
    static func addresses6(of name: String) -> [(address: String, prefix: Int, flags: Int)] {
        guard let text = try? String(contentsOfFile: "/proc/net/if_inet6", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count == 6, f[5] == name, let prefix = Int(f[2], radix: 16), let flags = Int(f[4], radix: 16) else { return nil }
            let hex = Array(f[0])
            let groups = stride(from: 0, to: 32, by: 4).map { String(Int(String(hex[$0..<$0 + 4]), radix: 16) ?? 0, radix: 16) }
            return (groups.joined(separator: ":"), prefix, flags)
        }
    }

    func testCreateWithIPv6FromThePoolAndGiven() throws {
        guard FileManager.default.fileExists(atPath: "/proc/net/if_inet6") else {
            throw XCTSkip("the kernel has IPv6 off (no /proc/net/if_inet6): IPv6 networks cannot be made here")
        }
        let pooled = "v6net-a-\(getpid())", given = "v6net-b-\(getpid())"
        cleanUp(networks: [pooled, given])
        let forward6 = HostState.ip6Forward(), tables = HostState.nftTables()
        let a = cli.run(["network", "create", "--ipv6", pooled])
        XCTAssertEqual(a.status, 0, a.stderr)
        // Outbound off (every test root on the real host): no IPv6 forwarding, no table, nothing said.
        XCTAssertEqual(a.stderr, "")
        XCTAssertEqual(HostState.ip6Forward(), forward6, "net.ipv6.conf.all.forwarding of the real host")
        XCTAssertEqual(HostState.nftTables(), tables, "no nftables table on the real host")
        let info = try inspectNetwork(pooled)
        XCTAssertEqual(info["EnableIPv6"] as? Bool, true)
        let sub6 = try XCTUnwrap(info["subnet6"] as? String, "\(info)")
        XCTAssertTrue(sub6.hasPrefix("fd62:6572:7468:") && sub6.hasSuffix("::/64"), sub6)
        let gw6 = try XCTUnwrap(info["gateway6"] as? String)
        XCTAssertEqual(gw6, sub6.replacingOccurrences(of: "::/64", with: "::1"))
        let ipam = try XCTUnwrap((info["IPAM"] as? [String: Any])?["Config"] as? [[String: String]], "\(info)")
        XCTAssertEqual(ipam.count, 2, "\(ipam)")
        XCTAssertEqual(ipam.last, ["Subnet": sub6, "Gateway": gw6])
        XCTAssertEqual(ipam.first?["Subnet"], info["subnet"] as? String, "IPv4 first, as docker")

        // The bridge holds the gateway address, not tentative: usable at once.
        let bridge = try XCTUnwrap(info["interface"] as? String)
        let held = Self.addresses6(of: bridge).first { $0.address.hasPrefix(gw6.replacingOccurrences(of: "::1", with: ":")) }
        XCTAssertEqual(held?.prefix, 64, "\(Self.addresses6(of: bridge))")
        XCTAssertEqual((held?.flags ?? 0x40) & 0x40, 0, "IFA_F_TENTATIVE: the address would wait for DAD")

        // Both subnets given, with a gateway for each; ls shows both.
        let b = cli.run(["network", "create", "--ipv6", "--subnet", "10.217.\(Int(getpid()) % 250 + 1).0/24", "--subnet", subnet6(0),
                         "--gateway", subnet6(0).replacingOccurrences(of: "::/64", with: "::fe"), given])
        XCTAssertEqual(b.status, 0, b.stderr)
        let infoB = try inspectNetwork(given)
        XCTAssertEqual(infoB["subnet6"] as? String, subnet6(0))
        XCTAssertEqual(infoB["gateway6"] as? String, subnet6(0).replacingOccurrences(of: "::/64", with: "::fe"))
        let ls = cli.run(["network", "ls"])
        let row = try XCTUnwrap(ls.stdout.split(separator: "\n").first { $0.hasPrefix(given + " ") }, ls.stdout)
        XCTAssertTrue(row.contains("," + subnet6(0)), String(row))
        let json = try XCTUnwrap(try cli.json(["network", "ls", "--json"]) as? [[String: Any]])
        XCTAssertEqual(json.first { $0["name"] as? String == given }?["subnet6"] as? String, subnet6(0))
        XCTAssertEqual(json.first { $0["name"] as? String == "bridge" }?["ipv6"] as? String, "false")

        // An overlapping IPv6 subnet is refused by the network's name.
        let overlap = cli.run(["network", "create", "--ipv6", "--subnet", subnet6(0).replacingOccurrences(of: "/64", with: "/80"), "v6net-c"])
        XCTAssertEqual(overlap.status, 125)
        XCTAssertTrue(overlap.stderr.contains("overlaps network '\(given)'"), overlap.stderr)

        XCTAssertEqual(cli.run(["network", "rm", pooled, given]).status, 0)
        XCTAssertFalse(HostLeaks.interfaceExists(bridge), "network rm deletes the bridge and its addresses")
        XCTAssertEqual(cli.run(["network", "inspect", "v6net-c"]).status, 125, "nothing was defined")
    }

    func testHostileAndConflictingIPv6RequestsAreRefused() throws {
        let name = "v6net-hostile"
        let cases: [[String]] = [
            ["--ipv6", "--subnet", "fd00::/47"], ["--ipv6", "--subnet", "fd00::/121"], ["--ipv6", "--subnet", "fe80::/64"],
            ["--ipv6", "--subnet", "ff02::/64"], ["--ipv6", "--subnet", "::1/128"], ["--subnet", subnet6(1)],
            ["--ipv6", "--subnet", "fd00::\u{1b}[31m/64"], ["--ipv6", "--subnet", "fd00::/64\nberth: forged"],
            ["--ipv6", "--subnet", subnet6(1), "--gateway", "fd00:dead::1"], ["--ipv6", "--gateway", "fd00:b6::1"],
            ["--ipv6", "--subnet", subnet6(1), "--subnet", subnet6(2)], ["--ipv6", "--driver", "host"],
            ["--ipv6", "--driver", "null"], ["--ipv6", "--subnet", subnet6(1), "--gateway", "fd00:b6::zz"],
        ]
        for args in cases {
            let r = cli.run(["network", "create"] + args + [name])
            XCTAssertEqual(r.status, 125, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("berth: "), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line: \(r.stderr.debugDescription)")
            XCTAssertFalse(r.stderr.contains("\u{1b}"), "control characters are escaped: \(r.stderr.debugDescription)")
        }
        XCTAssertTrue(cli.run(["network", "create", "--ipv6", "--subnet", "fd00::\u{1b}[31m/64", name]).stderr.contains("\\x1b"))
        XCTAssertTrue(cli.run(["network", "create", "--subnet", subnet6(1), name]).stderr.contains("add --ipv6"))
        XCTAssertTrue(cli.run(["network", "create", "--ipv6", "--driver", "host", name]).stderr.contains("--ipv6 needs the bridge driver"))
        // A route of the host's own (its LAN's IPv6 prefix) is refused like a Berth network.
        if let route = Self.hostRoute6() {
            let r = cli.run(["network", "create", "--ipv6", "--subnet", route, name])
            XCTAssertEqual(r.status, 125, route)
            XCTAssertTrue(r.stderr.contains("the host's route"), r.stderr)
        } else {
            print("IPv6NetworkTests: the host has no unique-local or global IPv6 route of /48 to /120; that overlap is not checked here")
        }
        XCTAssertEqual(cli.run(["network", "inspect", name]).status, 125, "nothing was defined")
        XCTAssertEqual(cli.run(["network", "ls", "-q"]).stdout, "bridge\n")
    }

    /// A unique-local or global /48–/120 route of the host from /proc/net/ipv6_route, as x::/N.
    static func hostRoute6() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/net/ipv6_route", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 10, let prefix = Int(f[1], radix: 16), (48...120).contains(prefix), !f[9].hasPrefix("berth") else { continue }
            let hex = Array(f[0])
            guard hex.count == 32, let first = Int(String(hex[0..<2]), radix: 16), first & 0xfe == 0xfc || first & 0xe0 == 0x20 else { continue }
            let groups = stride(from: 0, to: 32, by: 4).map { String(Int(String(hex[$0..<$0 + 4]), radix: 16) ?? 0, radix: 16) }
            return groups.joined(separator: ":") + "/\(prefix)"
        }
        return nil
    }
}

/// Containers on IPv6 networks: each gets an IPv6 address from the network's leases (or
/// `--ip6`), usable at once; two containers on one network reach each other over IPv6, two
/// networks cannot; `inspect` shows docker's IPv6 fields; the lease goes with the container.
final class IPv6ContainerTests: ContainerTestCase {
    override class var rootLabel: String { "v6ctr" }

    func subnet6(_ k: Int) -> String { "fd00:b7:\(String(Int(getpid()) % 60000 + k, radix: 16))::/64" }
    func address(_ k: Int, _ host: String) -> String { subnet6(k).replacingOccurrences(of: "::/64", with: "::" + host) }

    func cleanUp(containers: [String], networks: [String]) {
        addTeardownBlock { [cli] in
            if !containers.isEmpty { cli.run(["rm", "-f"] + containers) }
            for n in networks { cli.run(["network", "rm", n]) }
        }
    }

    func web(_ name: String, _ args: [String], page: String) -> BerthCLI.Result {
        cli.run(["run", "-d", "--name", name] + args + ["busybox", "sh", "-c",
                 "echo \(page) > /var/www/index.html; exec httpd -f -p 80 -h /var/www"])
    }

    func fetch(_ container: String, _ url: String, tries: Int = 5) -> BerthCLI.Result {
        cli.run(["exec", container, "sh", "-c",
                 "for i in $(seq \(tries)); do timeout 2 wget -q -O - '\(url)' && exit 0; sleep 0.2; done; exit 1"])
    }

    func requireIPv6() throws {
        guard FileManager.default.fileExists(atPath: "/proc/net/if_inet6") else {
            throw XCTSkip("the kernel has IPv6 off (no /proc/net/if_inet6): IPv6 networks cannot be made here")
        }
    }

    func testContainersOnAnIPv6NetworkReachEachOtherAndNoOtherNetwork() throws {
        try requireIPv6()
        let netA = "v6ctr-a-\(getpid())", netB = "v6ctr-b-\(getpid())"
        cleanUp(containers: ["v6-web", "v6-client", "v6-other"], networks: [netA, netB])
        XCTAssertEqual(cli.run(["network", "create", "--ipv6", "--subnet", subnet6(0), netA]).status, 0)
        XCTAssertEqual(cli.run(["network", "create", "--ipv6", "--subnet", subnet6(1), netB]).status, 0)
        let started = web("v6-web", ["--network", netA, "--ip6", address(0, "80")], page: "over-ipv6")
        XCTAssertEqual(started.status, 0, started.stderr)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "v6-client", "--network", netA, "busybox", "sleep", "60"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "v6-other", "--network", netB, "busybox", "sleep", "60"]).status, 0)

        // Addresses: the one asked for, the lowest free one after the gateway, each net's own.
        let own = cli.run(["exec", "v6-web", "sh", "-c", "ip -o -6 addr show dev eth0 scope global"])
        XCTAssertTrue(own.stdout.contains(address(0, "80") + "/64"), own.stdout + own.stderr)
        XCTAssertFalse(own.stdout.contains("tentative"), "no duplicate address detection: \(own.stdout)")
        let info = try cli.inspect("v6-client")
        let endpoint = try XCTUnwrap(((info["NetworkSettings"] as? [String: Any])?["Networks"] as? [String: Any])?[netA] as? [String: Any])
        XCTAssertEqual(endpoint["GlobalIPv6Address"] as? String, address(0, "2"))
        XCTAssertEqual(endpoint["GlobalIPv6PrefixLen"] as? Int, 64)
        XCTAssertEqual(endpoint["IPv6Gateway"] as? String, address(0, "1"))
        XCTAssertEqual((info["NetworkSettings"] as? [String: Any])?["GlobalIPv6Address"] as? String, address(0, "2"))

        // Same network: reached over IPv6. The other network: not, at layer 2 or 3.
        let got = fetch("v6-client", "http://[\(address(0, "80"))]/")
        XCTAssertEqual(got.stdout, "over-ipv6\n", got.stderr)
        let bridgeA = cli.run(["exec", "v6-client", "ping", "-6", "-c", "1", "-W", "2", address(0, "1")])
        XCTAssertEqual(bridgeA.status, 0, "the gateway answers at once: \(bridgeA.stdout)\(bridgeA.stderr)")
        let across = fetch("v6-other", "http://[\(address(0, "80"))]/", tries: 1)
        XCTAssertNotEqual(across.status, 0, "a container on another IPv6 network reached it: \(across.stdout)")
        XCTAssertEqual(across.stdout, "")

        // connect of a running container: its IPv6 address at once (set from the engine, no DAD).
        let joined = cli.run(["network", "connect", "--ip6", address(1, "77"), netB, "v6-client"])
        XCTAssertEqual(joined.status, 0, joined.stderr)
        let eth1 = cli.run(["exec", "v6-client", "ip", "-o", "-6", "addr", "show", "dev", "eth1", "scope", "global"]).stdout
        XCTAssertTrue(eth1.contains(address(1, "77") + "/64") && !eth1.contains("tentative"), eth1)
        let toOther = cli.run(["exec", "v6-client", "ping", "-6", "-c", "1", "-W", "2", address(1, "2")])
        XCTAssertEqual(toOther.status, 0, "v6-other on the network connected: \(toOther.stdout)\(toOther.stderr)")
        XCTAssertEqual(cli.run(["network", "disconnect", netB, "v6-client"]).status, 0)

        // The lease goes with the container; its address is handed out again.
        XCTAssertEqual(cli.run(["rm", "-f", "v6-client"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "v6-client", "--network", netA, "busybox", "sleep", "60"]).status, 0)
        let again = try cli.inspect("v6-client")
        let endpoint2 = try XCTUnwrap(((again["NetworkSettings"] as? [String: Any])?["Networks"] as? [String: Any])?[netA] as? [String: Any])
        XCTAssertEqual(endpoint2["GlobalIPv6Address"] as? String, address(0, "2"))
    }

    /// Compose's `enable_ipv6` with an IPv6 `ipam.config` entry: `up` makes the network with
    /// both subnets, its replicas get IPv6 addresses, `down` removes it.
    func testComposeEnableIPv6() throws {
        try requireIPv6()
        let project = "v6proj"
        let file = cli.root + "/compose-ipv6.yaml"
        try """
            services:
              api:
                image: busybox
                command: ["sleep", "600"]
                networks: [dual]
            networks:
              dual:
                enable_ipv6: true
                internal: true
                ipam:
                  config:
                    - subnet: \(subnet6(4))
            """.write(toFile: file, atomically: true, encoding: .utf8)
        addTeardownBlock { [cli] in
            cli.run(["down", "-f", file, "-p", project, "-t", "0"])
            cli.run(["network", "rm", "\(project)_dual"])
            try? FileManager.default.removeItem(atPath: file)
        }
        let up = cli.run(["up", "-d", "-f", file, "-p", project])
        XCTAssertEqual(up.status, 0, up.stderr)
        let net = try XCTUnwrap(try cli.json(["network", "inspect", "\(project)_dual"]) as? [String: Any])
        XCTAssertEqual(net["EnableIPv6"] as? Bool, true)
        XCTAssertEqual(net["subnet6"] as? String, subnet6(4))
        XCTAssertEqual(dig(try cli.inspect("api-1"), "NetworkSettings", "GlobalIPv6Address") as? String, address(4, "2"))
        XCTAssertEqual(cli.run(["down", "-f", file, "-p", project, "-t", "0"]).status, 0)
        XCTAssertEqual(cli.run(["network", "ls", "-q"]).stdout, "bridge\n", "down removes the project's network")
    }

    func testHostileIPv6AddressesAreRefusedAndLeaveNothing() throws {
        try requireIPv6()
        let net = "v6ctr-h-\(getpid())", v4 = "v6ctr-4-\(getpid())"
        cleanUp(containers: ["v6-taken", "v6-hostile"], networks: [net, v4])
        XCTAssertEqual(cli.run(["network", "create", "--ipv6", "--subnet", subnet6(2), net]).status, 0)
        XCTAssertEqual(cli.run(["network", "create", v4]).status, 0)
        XCTAssertEqual(cli.run(["create", "--name", "v6-taken", "--network", net, "--ip6", address(2, "9"), "busybox", "true"]).status, 0)
        let cases: [([String], String)] = [
            (["--network", net, "--ip6", address(3, "5")], "not a host address"),
            (["--network", net, "--ip6", subnet6(2).replacingOccurrences(of: "/64", with: "")], "not a host address"),
            (["--network", net, "--ip6", address(2, "9")], "already in use"),
            (["--network", net, "--ip6", address(2, "1")], "already in use"),
            (["--network", net, "--ip6", "fd00::1\u{1b}[31m"], "\\x1b"),
            (["--network", net, "--ip6", "10.0.0.1"], "expected an IPv6 address"),
            (["--network", v4, "--ip6", "fd00::5"], "has no IPv6 subnet"),
            (["--network", "none", "--ip6", "fd00::5"], "need a bridge network"),
        ]
        for (args, why) in cases {
            let r = cli.run(["create", "--name", "v6-hostile"] + args + ["busybox", "true"])
            XCTAssertEqual(r.status, 125, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(why), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr.debugDescription)
            XCTAssertFalse(r.stderr.contains("\u{1b}"), r.stderr.debugDescription)
        }
        XCTAssertNotEqual(cli.run(["inspect", "v6-hostile"]).status, 0, "nothing was created")
        let leases = try String(contentsOfFile: Self.root.path + "/networks/\(net).leases", encoding: .utf8)
        XCTAssertEqual(leases.split(separator: "\n").count, 2, "only v6-taken's two leases: \(leases)")
        let v4Leases = (try? String(contentsOfFile: Self.root.path + "/networks/\(v4).leases", encoding: .utf8)) ?? ""
        XCTAssertEqual(v4Leases, "", "a refused --ip6 takes no IPv4 lease either")
    }
}

/// The embedded DNS server on IPv6 networks: AAAA of every running replica of a service,
/// rotated as A is; an empty NOERROR (never NXDOMAIN) for AAAA of a name with no IPv6 address;
/// PTR of an IPv6 address of a member.
final class IPv6DNSTests: ContainerTestCase {
    override class var rootLabel: String { "v6dns" }

    static let loop = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait; done"]

    func testAAAAOfAServiceAnswersEveryReplicaAndPTRItsName() throws {
        guard FileManager.default.fileExists(atPath: "/proc/net/if_inet6") else {
            throw XCTSkip("the kernel has IPv6 off (no /proc/net/if_inet6): IPv6 networks cannot be made here")
        }
        let net = "v6dns-\(getpid())", v4 = "v6dns4-\(getpid())"
        addTeardownBlock { [cli] in
            cli.removeAllServices()
            cli.run(["rm", "-f", "v6dns-client", "v6dns-v4only", "v6dns-v4client"])
            cli.run(["network", "rm", net, v4])
        }
        XCTAssertEqual(cli.run(["network", "create", "--ipv6", net]).status, 0)
        XCTAssertEqual(cli.run(["network", "create", v4]).status, 0)
        let svc = cli.run(["service", "create", "--replicas", "3", "--network", net, "v6web", "busybox"] + Self.loop)
        XCTAssertEqual(svc.status, 0, svc.stderr)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "v6dns-client", "--network", net, "busybox", "sleep", "600"]).status, 0)
        func address6(_ name: String) throws -> String {
            try XCTUnwrap(dig(try cli.inspect(name), "NetworkSettings", "GlobalIPv6Address") as? String)
        }
        let replicas = try Set(["v6web-1", "v6web-2", "v6web-3"].map(address6))
        XCTAssertEqual(replicas.count, 3, "\(replicas)")

        var firsts: [String] = []
        for _ in 0..<3 {
            let got = cli.lookup6("v6dns-client", "v6web")
            XCTAssertEqual(got.count, 3, "\(got)")
            XCTAssertEqual(Set(got.map { $0.lowercased() }), replicas, "every replica")
            firsts += got.prefix(1)
        }
        XCTAssertGreaterThan(Set(firsts).count, 1, "the order rotates across queries: \(firsts)")
        XCTAssertEqual(cli.lookup("v6dns-client", "v6web").count, 3, "A still answers the IPv4 addresses")
        XCTAssertEqual(cli.lookup6("v6dns-client", "v6web-2.\(net)"), [try address6("v6web-2")], "NAME.NETWORK")

        let one = try address6("v6web-1")
        let ptr = cli.run(["exec", "v6dns-client", "nslookup", one])
        XCTAssertTrue(ptr.stdout.contains("v6web-1.\(net)"), ptr.stdout + ptr.stderr)

        // A member of IPv4 networks only: AAAA is an empty NOERROR, not NXDOMAIN.
        XCTAssertEqual(cli.run(["run", "-d", "--name", "v6dns-v4only", "--network", v4, "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "v6dns-v4client", "--network", v4, "busybox", "sleep", "600"]).status, 0)
        let empty = cli.run(["exec", "v6dns-v4client", "nslookup", "-type=aaaa", "v6dns-v4only"])
        XCTAssertEqual(BerthCLI.addresses(inNslookup: empty.stdout, ipv6: true), [])
        XCTAssertEqual(empty.status, 0, "busybox nslookup fails on NXDOMAIN and SERVFAIL: \(empty.stdout)\(empty.stderr)")
        XCTAssertFalse((empty.stdout + empty.stderr).contains("NXDOMAIN"), empty.stdout + empty.stderr)
    }
}
