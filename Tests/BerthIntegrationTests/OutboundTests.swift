import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Outbound access and published ports in the kernel (issue 12), on a simulated host
/// (`SimulatedHost`): masquerade to an upstream server, `--internal` cut off, two networks kept
/// apart although the host forwards, DNAT of a published
/// port from upstream, hairpin, Berth's nftables table removed with its last network, and the real
/// host's `ip_forward` and nftables tables unchanged throughout.
final class OutboundTests: XCTestCase {
    var sim: SimulatedHost?
    private var realForward = ""
    private var realForward6 = ""
    private var realTables: [String] = []

    override func setUpWithError() throws {
        try Prerequisite.requireRoot()
        try Prerequisite.requireTool("nft")
        guard FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/libnftables.so.1")
                || FileManager.default.fileExists(atPath: "/lib/x86_64-linux-gnu/libnftables.so.1") else {
            try Prerequisite.unmet("libnftables.so.1 is missing (apt-get install libnftables-dev)")
        }
        realForward = HostState.ipForward()
        realForward6 = HostState.ip6Forward()
        realTables = HostState.nftTables()
        sim = try SimulatedHost()
    }

    override func tearDown() {
        if let sim {
            let problems = sim.remove()
            XCTAssertEqual(problems, [], "the simulated host left things behind")
        }
        sim = nil
        XCTAssertEqual(HostState.ipForward(), realForward, "the real host's ip_forward is unchanged")
        XCTAssertEqual(HostState.ip6Forward(), realForward6, "the real host's IPv6 forwarding is unchanged")
        XCTAssertEqual(HostState.nftTables(), realTables, "the real host's nftables tables are unchanged")
        super.tearDown()
    }

    /// wget in `container`, a few tries (the server or httpd may still be starting).
    func fetch(_ sim: SimulatedHost, _ container: String, _ url: String, tries: Int = 5) -> Subprocess.Result {
        sim.host(["exec", container, "sh", "-c",
                  "for i in $(seq \(tries)); do timeout 2 wget -q -O - \(url) && exit 0; sleep 0.3; done; exit 1"])
    }

    /// httpd's REMOTE_ADDR as an IPv4 address ("[::ffff:10.0.0.1]" → "10.0.0.1").
    func address(_ text: String) -> String {
        var s = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if s.hasPrefix("[::ffff:") && s.hasSuffix("]") { s = String(s.dropFirst(8).dropLast()) }
        return s
    }

    func testMasqueradeInternalDNATAndHairpinOnASimulatedHost() throws {
        let sim = try XCTUnwrap(sim)
        let pid = Int(getpid())
        let outSubnet = "10.216.\(pid % 100 + 1).0/24", closedSubnet = "10.216.\(pid % 100 + 101).0/24"
        let outGateway = outSubnet.replacingOccurrences(of: ".0/24", with: ".1")
        XCTAssertEqual(sim.hostIPForward(), "0", "the simulated host starts without forwarding")

        // A network that needs forwarding turns it on, and says so in one line.
        let created = sim.host(["network", "create", "--subnet", outSubnet, "out"])
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertTrue(created.stderr.contains("turned on net.ipv4.ip_forward"), created.stderr)
        XCTAssertEqual(created.stderr.split(separator: "\n").count, 1, created.stderr)
        XCTAssertEqual(sim.hostIPForward(), "1")
        let closed = sim.host(["network", "create", "--internal", "--subnet", closedSubnet, "closed"])
        XCTAssertEqual(closed.status, 0, closed.stderr)
        XCTAssertEqual(closed.stderr, "", "forwarding is on already: nothing more to say")
        let table = try XCTUnwrap(sim.hostTables().first { $0.contains("berth-") }, "Berth's table in the host namespace")
        XCTAssertTrue(table.hasPrefix("table ip berth-"), table)

        // Outbound: the upstream server sees the host's address, not the container's.
        XCTAssertEqual(sim.host(["run", "-d", "--name", "c1", "--network", "out", "busybox", "sleep", "1000"]).status, 0)
        let seen = fetch(sim, "c1", "http://\(SimulatedHost.upstreamAddress):\(SimulatedHost.upstreamPort)/")
        XCTAssertEqual(seen.status, 0, seen.stderr + "\n" + sim.hostRuleset())
        XCTAssertEqual(seen.stdout.trimmingCharacters(in: .whitespacesAndNewlines), SimulatedHost.hostAddress, "masqueraded")

        // Internal: no way out.
        XCTAssertEqual(sim.host(["run", "-d", "--name", "c2", "--network", "closed", "busybox", "sleep", "1000"]).status, 0)
        let cut = fetch(sim, "c2", "http://\(SimulatedHost.upstreamAddress):\(SimulatedHost.upstreamPort)/", tries: 2)
        XCTAssertNotEqual(cut.status, 0, "an internal network reaches nothing outside: \(cut.stdout)")

        // A published port, DNAT'd: upstream reaches it on the host's address, and the container
        // sees upstream's own address (the proxy would show the gateway's).
        let web = sim.host(["run", "-d", "--name", "web", "--network", "out", "-p", "0.0.0.0:8081:80", "busybox", "sh", "-c",
                            "mkdir -p /www/cgi-bin && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/a && chmod +x /www/cgi-bin/a && exec httpd -f -p 80 -h /www"])
        XCTAssertEqual(web.status, 0, web.stderr)
        XCTAssertTrue(sim.hostRuleset().contains("dnat to"), sim.hostRuleset())
        var fromUpstream = sim.inUpstream(["true"])
        for _ in 0..<10 {
            // python, not the host's busybox: its static wget crashes on this Debian (exit 139).
            fromUpstream = sim.inUpstream(["/usr/bin/python3", "-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())",
                                           "http://\(SimulatedHost.hostAddress):8081/cgi-bin/a"])
            if fromUpstream.status == 0 { break }
            usleep(300_000)
        }
        XCTAssertEqual(fromUpstream.status, 0, fromUpstream.stderr + "\n" + sim.hostRuleset())
        XCTAssertEqual(address(fromUpstream.stdout), SimulatedHost.upstreamAddress, "DNAT, not the proxy")

        // Hairpin: a container on the same network reaches the port through the host's address.
        let hairpin = fetch(sim, "c1", "http://\(SimulatedHost.hostAddress):8081/cgi-bin/a")
        XCTAssertEqual(hairpin.status, 0, hairpin.stderr + "\n" + sim.hostRuleset())
        XCTAssertEqual(address(hairpin.stdout), outGateway, "hairpin is masqueraded to the gateway")

        // Two networks with outbound access still cannot reach each other through the host that
        // now forwards (both have a default route via their gateways).
        let otherSubnet = "10.216.\(pid % 100 + 51).0/24"
        XCTAssertEqual(sim.host(["network", "create", "--subnet", otherSubnet, "other"]).status, 0)
        XCTAssertEqual(sim.host(["run", "-d", "--name", "c3", "--network", "other", "busybox", "sh", "-c",
                                 "echo c3 > /var/www/index.html; exec httpd -f -p 80 -h /var/www"]).status, 0)
        let c3 = otherSubnet.replacingOccurrences(of: ".0/24", with: ".2")
        let across = fetch(sim, "c1", "http://\(c3)/", tries: 2)
        XCTAssertNotEqual(across.status, 0, "network out reached network other: \(across.stdout)")
        XCTAssertEqual(fetch(sim, "c3", "http://\(SimulatedHost.upstreamAddress):\(SimulatedHost.upstreamPort)/").status, 0,
                       "while each still gets out")

        // A rule left by a command killed mid-way (here: written by hand for a container that
        // no longer exists) goes at the next reconcile of the table (`network prune`).
        let nft = try XCTUnwrap(Prerequisite.find("nft"))
        let tableName = String(try XCTUnwrap(table.split(separator: " ").last))
        let stray = sim.inHost([nft, "add", "rule", "ip", tableName, "prerouting", "tcp", "dport", "9999", "dnat", "to", "10.9.9.9:1"])
        XCTAssertEqual(stray.status, 0, stray.stderr)
        XCTAssertTrue(sim.hostRuleset().contains("10.9.9.9"))
        XCTAssertEqual(sim.host(["network", "prune", "-f"]).status, 0)
        XCTAssertFalse(sim.hostRuleset().contains("10.9.9.9"), sim.hostRuleset())
        XCTAssertTrue(sim.hostRuleset().contains("dnat to"), "the live container's rule stays")

        // Removing the container takes its DNAT away; the last network takes the table.
        XCTAssertEqual(sim.host(["rm", "-f", "web", "c1", "c2", "c3"]).status, 0)
        XCTAssertFalse(sim.hostRuleset().contains("dnat to"), sim.hostRuleset())
        XCTAssertEqual(sim.host(["network", "rm", "out", "closed", "other"]).status, 0)
        XCTAssertEqual(sim.hostTables().filter { $0.contains("berth-") }, [], "no Berth table left in the host namespace")
    }

    /// `network rm` of the default bridge with outbound access on: it once hung for ever, because
    /// writing the rules after the removal listed the networks, which defined the default again
    /// under the networks' lock that the removal held.
    func testRemovingTheDefaultBridgeWithOutboundOnFinishes() throws {
        let sim = try XCTUnwrap(sim)
        let subnet = "10.216.\(Int(getpid()) % 100 + 1).0/24"
        XCTAssertEqual(sim.host(["network", "create", "--subnet", subnet, "mine"]).status, 0)
        let run = sim.host(["run", "--rm", "busybox", "true"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(sim.hostTables().filter { $0.contains("berth-") }.count, 1, "outbound access made Berth's table")
        let rm = sim.host(["network", "rm"], timeout: 30)
        XCTAssertEqual(rm.status, 0, "network rm: \(rm.both)")
        // With the default network undefined, a container on another network writes the names
        // under the networks' lock: that must not define the default there either.
        let onMine = sim.host(["run", "--rm", "--network", "mine", "busybox", "echo", "mine"], timeout: 30)
        XCTAssertEqual(onMine.stdout, "mine\n", onMine.both)
        XCTAssertEqual(sim.host(["network", "rm", "mine"], timeout: 30).status, 0)
        XCTAssertEqual(sim.hostTables().filter { $0.contains("berth-") }, [], "the table went with the last bridge")
        let again = sim.host(["run", "--rm", "busybox", "echo", "again"])
        XCTAssertEqual(again.stdout, "again\n", "the default network is defined again at its next use: \(again.stderr)")
        XCTAssertEqual(sim.host(["network", "rm"], timeout: 30).status, 0)
    }

    /// Outbound off (the environment, or the root's settings): nothing in the kernel changes, even
    /// in a namespace where it could.
    func testOutboundOffTouchesNothing() throws {
        let sim = try XCTUnwrap(sim)
        let r = sim.inHost(["env", "BERTH_OUTBOUND=off", BerthCLI.binary, "--root", sim.scope.path, "--cgroup-parent", sim.scope.cgroupParent,
                            "network", "create", "--subnet", "10.216.\(Int(getpid()) % 100 + 1).0/24", "quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        XCTAssertEqual(sim.hostIPForward(), "0")
        XCTAssertEqual(sim.hostTables(), [])
        // A container that ends on its own: its supervisor (spawned with an environment of its
        // own) runs `berth network refresh-hosts`, which rewrites the table; it must get the
        // setting too (it once did not, and turned forwarding on).
        let off = ["env", "BERTH_OUTBOUND=off", BerthCLI.binary, "--root", sim.scope.path, "--cgroup-parent", sim.scope.cgroupParent]
        let run = sim.inHost(off + ["run", "-d", "--name", "quitter", "--network", "quiet", "busybox", "sleep", "2"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let listed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(sim.inHost(off + ["ps", "-a", "--json"]).stdout.utf8)) as? [[String: Any]])
        let shim = (listed.first { $0["name"] as? String == "quitter" }?["state"] as? [String: Any])?["shimPid"] as? Int
        XCTAssertEqual(sim.inHost(off + ["wait", "quitter"]).stdout, "0\n")
        // The supervisor becomes the refresh (exec): once its pid is gone, the refresh is done.
        if let shim {
            let until = Date().addingTimeInterval(15)
            while kill(Int32(shim), 0) == 0 && Date() < until { usleep(100_000) }
        } else { XCTFail("no supervisor pid for quitter in ps --json") }
        XCTAssertEqual(sim.hostIPForward(), "0")
        XCTAssertEqual(sim.hostTables(), [])
        XCTAssertEqual(sim.inHost(off + ["rm", "quitter"]).status, 0)
        let bad = sim.inHost(["env", "BERTH_OUTBOUND=maybe", BerthCLI.binary, "--root", sim.scope.path, "network", "create", "other"])
        XCTAssertEqual(bad.status, 125, bad.stderr)
        XCTAssertTrue(bad.stderr.hasPrefix("berth: invalid BERTH_OUTBOUND"), bad.stderr)
        XCTAssertEqual(sim.host(["network", "rm", "quiet"]).status, 0)
    }
}
