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
        let a = cli.run(["network", "create", "--ipv6", pooled])
        XCTAssertEqual(a.status, 0, a.stderr)
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
