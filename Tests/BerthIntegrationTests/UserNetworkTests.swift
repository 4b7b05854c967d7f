import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// User-defined networks (issue 12): `network create/ls/inspect/rm/prune/connect/disconnect`,
/// `--network NAME`, `--ip`, `--network-alias`; isolation between networks (layer 2 only, no NAT
/// or forwarding anywhere), a container on two networks reaching both, names only of running
/// members, leases per network, and hostile names and subnets. Every test removes its
/// containers and networks, and the per-test leak check finds any network, bridge or veth left.
final class UserNetworkTests: ContainerTestCase {
    override class var rootLabel: String { "unet" }

    /// A /24 of 10.216.0.0/16 of this test process, `k` apart: parallel runs of other roots seldom
    /// pick the same one, and a clash fails `network create` by name rather than silently.
    func subnet(_ k: Int) -> String { "10.216.\((Int(getpid()) % 200 + k) % 254 + 1).0/24" }

    /// Removes `containers` and then `networks` when the test ends, pass or fail.
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

    func inspectNetwork(_ name: String) throws -> [String: Any] {
        try XCTUnwrap(try cli.json(["network", "inspect", name]) as? [String: Any])
    }

    func networks(of container: String) throws -> [String: [String: Any]] {
        let info = try cli.inspect(container)
        return try XCTUnwrap((info["NetworkSettings"] as? [String: Any])?["Networks"] as? [String: [String: Any]])
    }

    /// wget from inside `container`, a few tries (httpd may still be starting).
    func fetch(_ container: String, _ url: String, tries: Int = 5) -> BerthCLI.Result {
        cli.run(["exec", container, "sh", "-c",
                 "for i in $(seq \(tries)); do timeout 2 wget -q -O - \(url) && exit 0; sleep 0.2; done; exit 1"])
    }

    // MARK: - Definitions

    func testCreateListInspectAndRemove() throws {
        let net = "unet-a-\(getpid())"
        cleanUp(containers: [], networks: [net])
        let sub = subnet(0)
        let created = cli.run(["network", "create", "--subnet", sub, "--internal", "--label", "team=blue", net])
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertEqual(created.stdout, net + "\n")
        let info = try inspectNetwork(net)
        XCTAssertEqual(info["subnet"] as? String, sub)
        XCTAssertEqual(info["gateway"] as? String, sub.replacingOccurrences(of: ".0/24", with: ".1"))
        XCTAssertEqual(info["internal"] as? Bool, true)
        XCTAssertEqual(info["labels"] as? [String: String], ["team": "blue"])
        let bridge = try XCTUnwrap(info["interface"] as? String)
        XCTAssertTrue(bridge.hasPrefix("berth") && bridge.count <= 15, bridge)
        XCTAssertTrue(HostLeaks.interfaceExists(bridge), "network create makes the bridge")
        XCTAssertTrue(cli.run(["network", "ls"]).stdout.contains(net))
        XCTAssertEqual(cli.run(["network", "ls", "-q"]).stdout.split(separator: "\n").map(String.init), ["bridge", net])

        // A second network gets a subnet of its own; one that overlaps is refused by name.
        let auto = "unet-b-\(getpid())"
        cleanUp(containers: [], networks: [auto])
        XCTAssertEqual(cli.run(["network", "create", auto]).status, 0)
        let autoSubnet = try XCTUnwrap(try inspectNetwork(auto)["subnet"] as? String)
        XCTAssertTrue(autoSubnet.hasPrefix("10.215."), autoSubnet)
        let overlap = cli.run(["network", "create", "--subnet", sub.replacingOccurrences(of: "/24", with: "/25"), "unet-c"])
        XCTAssertEqual(overlap.status, 125)
        XCTAssertTrue(overlap.stderr.contains("overlaps network \"\(net)\"") || overlap.stderr.contains("overlaps network '\(net)'"), overlap.stderr)
        XCTAssertEqual(cli.run(["network", "create", net]).status, 125, "a name is taken once")

        XCTAssertEqual(cli.run(["network", "rm", net, auto]).status, 0)
        XCTAssertFalse(HostLeaks.interfaceExists(bridge), "network rm deletes the bridge")
        XCTAssertEqual(cli.run(["network", "inspect", net]).status, 125)
    }

    func testHostileNamesAndSubnetsAreRefused() throws {
        for name in ["../etc", "a/b", "-x", ".hidden", "bridge", "host", "none", "default", String(repeating: "n", count: 129),
                     "evil\u{1b}[31m", "new\nline"] {
            let r = cli.run(["network", "create", name])
            XCTAssertEqual(r.status, 125, name)
            XCTAssertTrue(r.stderr.hasPrefix("berth: "), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line: \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("\u{1b}"), "control characters are escaped: \(r.stderr)")
        }
        for args in [["--subnet", "10.0.0.0/33"], ["--subnet", "nonsense"], ["--subnet", "10.0.0.0/4"],
                     ["--subnet", subnet(1), "--gateway", "192.168.0.1"], ["--gateway", "10.1.2.3"],
                     ["--subnet", subnet(1), "--gateway", "nonsense"], ["--driver", "macvlan"]] {
            let r = cli.run(["network", "create"] + args + ["unet-hostile"])
            XCTAssertEqual(r.status, 125, "\(args): \(r.stderr)")
        }
        // The default bridge's subnet is a route of the host (its bridge exists once used).
        XCTAssertEqual(cli.run(["create", "--name", "uses-bridge", "busybox", "true"]).status, 0)
        cleanUp(containers: ["uses-bridge"], networks: [])
        XCTAssertEqual(cli.run(["start", "uses-bridge"]).status, 0)
        let defaultSubnet = try XCTUnwrap(try inspectNetwork("bridge")["subnet"] as? String)
        let clash = cli.run(["network", "create", "--subnet", defaultSubnet, "unet-hostile"])
        XCTAssertEqual(clash.status, 125)
        XCTAssertTrue(clash.stderr.contains("overlaps"), clash.stderr)
        // A route of the host that is not Berth's: its connected subnet, read from /proc/net/route.
        if let route = Self.hostRoute() {
            let r = cli.run(["network", "create", "--subnet", route, "unet-hostile"])
            XCTAssertEqual(r.status, 125, route)
            XCTAssertTrue(r.stderr.contains("the host's route"), r.stderr)
        } else {
            print("UserNetworkTests: the host has no route but the default and Berth's; the host-route overlap is not checked here")
        }
        XCTAssertEqual(cli.run(["network", "inspect", "unet-hostile"]).status, 125, "nothing was defined")
        for bad in [["run", "--network", "../x", "busybox", "true"], ["run", "--network", "no-such-net", "busybox", "true"],
                    ["run", "--network", "container:other", "busybox", "true"],
                    ["run", "--ip", "10.1.2.3", "--network", "none", "busybox", "true"],
                    ["run", "--network-alias", "bad alias", "busybox", "true"],
                    ["network", "connect", "no-such-net", "uses-bridge"], ["network", "disconnect", "../x", "uses-bridge"]] {
            let r = cli.run(bad)
            XCTAssertEqual(r.status, 125, "\(bad): \(r.stderr)")
        }
    }

    /// A non-default route of the host not on a Berth interface, as a.b.c.d/N.
    static func hostRoute() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/net/route", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard f.count >= 8, !f[0].hasPrefix("berth"), let dst = UInt32(f[1], radix: 16), let mask = UInt32(f[7], radix: 16),
                  dst != 0, mask != 0 else { continue }
            let d = [dst & 0xff, dst >> 8 & 0xff, dst >> 16 & 0xff, dst >> 24].map(String.init).joined(separator: ".")
            let prefix = mask.nonzeroBitCount
            guard prefix >= 8 && prefix <= 30 else { continue }
            return "\(d)/\(prefix)"
        }
        return nil
    }

    // MARK: - Isolation

    func testNetworksAreIsolatedAndAContainerOnBothReachesBoth() throws {
        let a = "unet-iso-a", b = "unet-iso-b"
        cleanUp(containers: ["web-a", "web-b", "dual", "only-a"], networks: [a, b])
        XCTAssertEqual(cli.run(["network", "create", "--subnet", subnet(2), a]).status, 0)
        XCTAssertEqual(cli.run(["network", "create", "--subnet", subnet(3), b]).status, 0)
        XCTAssertEqual(web("web-a", ["--network", a], page: "page-a").status, 0)
        XCTAssertEqual(web("web-b", ["--network", b], page: "page-b").status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "only-a", "--network", a, "busybox", "sleep", "60"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "dual", "--network", a, "busybox", "sleep", "60"]).status, 0)
        let ipB = try XCTUnwrap(try networks(of: "web-b")[b]?["IPAddress"] as? String)

        let sameNet = fetch("only-a", "http://web-a/")
        XCTAssertEqual(sameNet.stdout, "page-a\n", sameNet.stderr)
        XCTAssertNotEqual(fetch("only-a", "http://\(ipB)/", tries: 1).status, 0, "another network's address is unreachable")
        XCTAssertNotEqual(cli.run(["exec", "only-a", "ping", "-c", "1", "-W", "1", ipB]).status, 0)
        XCTAssertEqual(cli.lookup("only-a", "web-b"), [], "no names of other networks")
        XCTAssertFalse(cli.run(["exec", "only-a", "ip", "route"]).stdout.contains("default"), "user networks give no default route")

        // Connected while running: a second interface, its address, the other network's names.
        let connect = cli.run(["network", "connect", "--alias", "second", b, "dual"])
        XCTAssertEqual(connect.status, 0, connect.stderr)
        let nets = try networks(of: "dual")
        XCTAssertEqual(Set(nets.keys), [a, b])
        XCTAssertEqual((try cli.berthKeys("dual")["Interfaces"] as? [String: String])?[b], "eth1")
        let ipDualB = try XCTUnwrap(nets[b]?["IPAddress"] as? String)
        XCTAssertTrue(cli.run(["exec", "dual", "ip", "-4", "-o", "addr", "show", "eth1"]).stdout.contains("inet \(ipDualB)/24"))
        XCTAssertEqual(fetch("dual", "http://web-a/").stdout, "page-a\n")
        XCTAssertEqual(fetch("dual", "http://web-b/").stdout, "page-b\n")
        XCTAssertEqual(cli.lookup("web-b", "dual"), [ipDualB])
        XCTAssertEqual(cli.lookup("web-b", "second"), [ipDualB])
        XCTAssertEqual(cli.run(["exec", "web-b", "ping", "-c", "1", "-W", "2", "second"]).status, 0, "the alias resolves on b")
        // Being on both networks does not make the container a router between them.
        XCTAssertNotEqual(fetch("only-a", "http://\(ipB)/", tries: 1).status, 0)
        let inspectFormat = cli.run(["inspect", "--format", "{{json .NetworkSettings.Networks}}", "dual"])
        XCTAssertTrue(inspectFormat.stdout.contains("\"\(a)\"") && inspectFormat.stdout.contains("\"\(b)\""), inspectFormat.stdout)
        XCTAssertEqual(cli.run(["network", "connect", b, "dual"]).status, 125, "already on it")

        // Disconnected while running: the interface and the reach go.
        XCTAssertEqual(cli.run(["network", "disconnect", b, "dual"]).status, 0)
        XCTAssertEqual(Set(try networks(of: "dual").keys), [a])
        XCTAssertNotEqual(cli.run(["exec", "dual", "ip", "link", "show", "eth1"]).status, 0)
        XCTAssertNotEqual(fetch("dual", "http://\(ipB)/", tries: 1).status, 0)
        XCTAssertEqual(cli.run(["network", "disconnect", b, "dual"]).status, 125)
        XCTAssertEqual(cli.run(["network", "disconnect", "-f", b, "dual"]).status, 0)

        // In use: refused; once empty, removed (and prune leaves a network in use).
        let refused = cli.run(["network", "rm", a])
        XCTAssertEqual(refused.status, 125)
        XCTAssertTrue(refused.stderr.contains("dual"), refused.stderr)
        XCTAssertEqual(cli.run(["rm", "-f", "web-b"]).status, 0)
        let pruned = cli.run(["network", "prune", "-f"])
        XCTAssertTrue(pruned.stdout.contains(b) && !pruned.stdout.contains(a), pruned.stdout)
    }

    /// `stats` counts the traffic of a container's own interfaces: a web server's bytes served
    /// show; a `--network none` or `--network host` container has no figures (docker shows none
    /// either), and the sampler holds no /proc/PID/net/dev of theirs.
    func testStatsCountOnlyAContainersOwnInterfaces() throws {
        let net = "unet-stats"
        cleanUp(containers: ["stats-web", "stats-client", "stats-none", "stats-host"], networks: [net])
        XCTAssertEqual(cli.run(["network", "create", "--subnet", subnet(6), net]).status, 0)
        XCTAssertEqual(web("stats-web", ["--network", net], page: String(repeating: "x", count: 20_000)).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "stats-client", "--network", net, "busybox", "sleep", "60"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "stats-none", "--network", "none", "busybox", "sleep", "60"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "stats-host", "--network", "host", "busybox", "sleep", "60"]).status, 0)
        XCTAssertEqual(fetch("stats-client", "http://stats-web/").stdout.count, 20_001, "the 20 kB page, served over eth0")
        // Loopback traffic is not network use.
        XCTAssertEqual(cli.run(["exec", "stats-none", "ping", "-c", "2", "127.0.0.1"]).status, 0)
        let rows = try XCTUnwrap(try cli.json(["stats", "--no-stream", "--json"]) as? [[String: Any]])
        func row(_ name: String) throws -> [String: Any] { try XCTUnwrap(rows.first { $0["name"] as? String == name }, "\(name) in \(rows)") }
        XCTAssertGreaterThan(try row("stats-web")["netTx"] as? Int ?? 0, 20_000, "\(rows)")
        XCTAssertGreaterThan(try row("stats-client")["netRx"] as? Int ?? 0, 20_000, "\(rows)")
        for name in ["stats-none", "stats-host"] {
            XCTAssertEqual(try row(name)["netRx"] as? Int, 0, name)
            XCTAssertEqual(try row(name)["netTx"] as? Int, 0, name)
        }
    }

    func testAConnectedStoppedContainerGetsItsInterfacesAtStart() throws {
        let a = "unet-start-a", b = "unet-start-b"
        cleanUp(containers: ["later"], networks: [a, b])
        XCTAssertEqual(cli.run(["network", "create", "--subnet", subnet(4), a]).status, 0)
        XCTAssertEqual(cli.run(["network", "create", "--subnet", subnet(5), b]).status, 0)
        let ip = subnet(4).replacingOccurrences(of: ".0/24", with: ".77")
        XCTAssertEqual(cli.run(["create", "--name", "later", "--network", a, "--ip", ip, "busybox", "sleep", "60"]).status, 0)
        XCTAssertEqual(cli.run(["network", "connect", b, "later"]).status, 0)
        XCTAssertEqual(cli.run(["start", "later"]).status, 0)
        let addrs = cli.run(["exec", "later", "ip", "-4", "-o", "addr"]).stdout
        XCTAssertTrue(addrs.contains("eth0") && addrs.contains("inet \(ip)/24"), addrs)
        XCTAssertTrue(addrs.contains("eth1"), addrs)
        let taken = cli.run(["run", "--network", a, "--ip", ip, "busybox", "true"])
        XCTAssertEqual(taken.status, 125)
        XCTAssertTrue(taken.stderr.contains("already in use"), taken.stderr)
        let outside = cli.run(["run", "--network", a, "--ip", "10.99.0.5", "busybox", "true"])
        XCTAssertEqual(outside.status, 125)
        XCTAssertEqual(cli.run(["rm", "-f", "later"]).status, 0)
        for n in [a, b] {
            let leases = (try? String(contentsOfFile: cli.root + "/networks/\(n).leases", encoding: .utf8)) ?? ""
            XCTAssertEqual(leases, "", "rm releases the lease on every network")
        }
    }

    // MARK: - Names

    func testOnlyRunningMembersResolve() throws {
        let n = "unet-names"
        cleanUp(containers: ["reader", "served", "brief"], networks: [n])
        XCTAssertEqual(cli.run(["network", "create", "--subnet", subnet(6), n]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "reader", "--network", n, "busybox", "sleep", "60"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "served", "--network", n, "--network-alias", "db", "busybox", "sleep", "60"]).status, 0)
        XCTAssertEqual(cli.lookup("reader", "served").count, 1)
        XCTAssertEqual(cli.lookup("reader", "db").count, 1)
        XCTAssertEqual(cli.run(["stop", "-t", "0", "served"]).status, 0)
        XCTAssertEqual(cli.lookup("reader", "served"), [], "a stopped container no longer resolves")
        XCTAssertEqual(cli.lookup("reader", "db"), [])
        XCTAssertEqual(cli.run(["start", "served"]).status, 0)
        XCTAssertEqual(cli.lookup("reader", "db").count, 1)
        // One that ends by itself leaves the membership files when its supervisor goes.
        XCTAssertEqual(cli.run(["run", "-d", "--name", "brief", "--network", n, "busybox", "sleep", "1"]).status, 0)
        XCTAssertTrue(cli.eventually(timeout: 10) { cli.lookup("reader", "brief").isEmpty })
        let status = try cli.state("brief")["Status"] as? String
        XCTAssertEqual(status, "exited")
    }

    // MARK: - Crash safety

    func testACreateKilledAfterItsLeaseLeavesNoLease() throws {
        let n = "unet-crash"
        cleanUp(containers: [], networks: [n])
        XCTAssertEqual(cli.run(["network", "create", "--subnet", subnet(7), n]).status, 0)
        let crashed = Subprocess.run("/usr/bin/env", ["BERTH_TEST_CRASH_AT=create-allocated-address", BerthCLI.binary, "--root", cli.root,
                                                      "--cgroup-parent", cli.cgroupParent, "create", "--network", n, "busybox", "true"])
        XCTAssertNotEqual(crashed.status, 0)
        let leasePath = cli.root + "/networks/\(n).leases"
        XCTAssertNotEqual((try? String(contentsOfFile: leasePath, encoding: .utf8)) ?? "", "", "the killed create had leased an address")
        XCTAssertEqual(cli.run(["network", "ls"]).status, 0)
        XCTAssertEqual((try? String(contentsOfFile: leasePath, encoding: .utf8)) ?? "", "", "the next command drops the lease")
    }

    func testPruneDeletesAVethOfAContainerThatNoLongerExists() throws {
        let ip = try Prerequisite.requireTool("ip")
        let n = "unet-stray"
        let stray = "berth" + String(format: "%09x", Int(getpid()) & 0xfffffff), peer = "ubpeer\(getpid() % 100000)"
        addTeardownBlock { [cli] in
            _ = Subprocess.run(ip, ["link", "del", stray])
            cli.run(["network", "rm", n])
        }
        XCTAssertEqual(cli.run(["network", "create", "--subnet", subnet(9), n]).status, 0)
        let bridge = try XCTUnwrap(try inspectNetwork(n)["interface"] as? String)
        // The fixture: a veth named as a container's would be, on the network's bridge, with no container.
        let made = Subprocess.run(ip, ["link", "add", stray, "master", bridge, "type", "veth", "peer", "name", peer])
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertTrue(HostLeaks.interfaceExists(stray))
        XCTAssertEqual(cli.run(["network", "prune", "-f"]).stdout, "Deleted Networks:\n\(n)\n")
        XCTAssertFalse(HostLeaks.interfaceExists(stray), "prune deletes the stray veth")
        XCTAssertFalse(HostLeaks.interfaceExists(peer))
    }

    // MARK: - Compose

    func testComposeMakesItsNetworksAndDownRemovesThem() throws {
        let project = "unetproj"
        let file = cli.root + "/compose-networks.yaml"
        try """
            services:
              api:
                image: busybox
                command: ["sh", "-c", "echo api > /var/www/index.html; exec httpd -f -p 80 -h /var/www"]
                networks:
                  back:
                    aliases: [backend]
              front:
                image: busybox
                command: ["sleep", "60"]
                networks: [back, default]
              other:
                image: busybox
                command: ["sleep", "60"]
            networks:
              back:
                internal: true
                ipam:
                  config:
                    - subnet: \(subnet(8))
            """.write(toFile: file, atomically: true, encoding: .utf8)
        addTeardownBlock { [cli] in
            cli.run(["down", "-f", file, "-p", project, "-t", "0"])
            for n in ["\(project)_default", "\(project)_back"] { cli.run(["network", "rm", n]) }
        }
        let up = cli.run(["up", "-d", "-f", file, "-p", project])
        XCTAssertEqual(up.status, 0, up.stderr)
        let back = try inspectNetwork("\(project)_back")
        XCTAssertEqual(back["subnet"] as? String, subnet(8))
        XCTAssertEqual(back["internal"] as? Bool, true)
        XCTAssertEqual(back["labels"] as? [String: String], ["berth.project": project])
        XCTAssertEqual(Set(try networks(of: "front-1").keys), ["\(project)_back", "\(project)_default"])
        XCTAssertEqual(Set(try networks(of: "other-1").keys), ["\(project)_default"])
        XCTAssertEqual(fetch("front-1", "http://backend/").stdout, "api\n", "the alias on the shared network")
        XCTAssertEqual(fetch("front-1", "http://api/").stdout, "api\n", "the service name")
        XCTAssertNotEqual(cli.run(["exec", "other-1", "ping", "-c", "1", "-W", "1", "api"]).status, 0, "other shares no network with api")
        let down = cli.run(["down", "-f", file, "-p", project, "-t", "0"])
        XCTAssertEqual(down.status, 0, down.stderr)
        XCTAssertEqual(cli.run(["network", "ls", "-q"]).stdout, "bridge\n", "down removes the project's networks")
        try? FileManager.default.removeItem(atPath: file)
    }
}
