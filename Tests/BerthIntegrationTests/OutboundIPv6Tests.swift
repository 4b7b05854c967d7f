import Foundation
import XCTest
import BerthTestSupport

/// Outbound access over IPv6 on the simulated host (`SimulatedHost`, whose link to upstream has
/// IPv6 addresses too): the masquerade of an IPv6 network in Berth's `ip6` table, IPv6 forwarding
/// turned on in the host namespace only (the real host's is checked unchanged by tearDown), an
/// internal IPv6 network cut off, a port published on every address DNAT'd from upstream over
/// IPv6, and the `ip6` table gone with the last IPv6 network.
extension OutboundTests {
    func testIPv6OutboundMasqueradeAndDNATOnASimulatedHost() throws {
        let sim = try XCTUnwrap(sim)
        let upstream6 = "http://[\(SimulatedHost.upstreamAddress6)]:\(SimulatedHost.upstreamPort)/"
        XCTAssertEqual(sim.hostIP6Forward(), "0", "the simulated host starts without IPv6 forwarding")

        let created = sim.host(["network", "create", "--ipv6", "out6"])
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertTrue(created.stderr.contains("turned on net.ipv6.conf.all.forwarding for the IPv6 outbound access of network out6"),
                      created.stderr)
        XCTAssertEqual(sim.hostIP6Forward(), "1")
        XCTAssertTrue(sim.hostTables().contains { $0.hasPrefix("table ip6 berth-") }, "\(sim.hostTables())")
        XCTAssertEqual(sim.host(["network", "create", "--ipv6", "--internal", "closed6"]).status, 0)

        // Out over IPv6: upstream sees the host's IPv6 address, not the container's.
        XCTAssertEqual(sim.host(["run", "-d", "--name", "c6", "--network", "out6", "busybox", "sleep", "1000"]).status, 0)
        let route = sim.host(["exec", "c6", "ip", "-6", "route", "show", "default"]).stdout
        XCTAssertTrue(route.contains("default via"), "a default IPv6 route with outbound on: \(route)")
        let seen = fetch(sim, "c6", upstream6)
        XCTAssertEqual(seen.status, 0, seen.stderr + "\n" + sim.hostRuleset())
        XCTAssertEqual(seen.stdout.trimmingCharacters(in: .whitespacesAndNewlines), SimulatedHost.hostAddress6, "masqueraded")

        // Internal: no way out over IPv6 either.
        XCTAssertEqual(sim.host(["run", "-d", "--name", "c7", "--network", "closed6", "busybox", "sleep", "1000"]).status, 0)
        let cut = fetch(sim, "c7", upstream6, tries: 2)
        XCTAssertNotEqual(cut.status, 0, "an internal IPv6 network reaches nothing outside: \(cut.stdout)")

        // A port published on every address: DNAT'd for IPv6 clients to the container's IPv6
        // address, which sees upstream's own address.
        let web = sim.host(["run", "-d", "--name", "web6", "--network", "out6", "-p", "0.0.0.0:8082:80", "busybox", "sh", "-c",
                            "mkdir -p /www/cgi-bin && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/a && chmod +x /www/cgi-bin/a && exec httpd -f -p 80 -h /www"])
        XCTAssertEqual(web.status, 0, web.stderr)
        var fromUpstream = sim.inUpstream(["true"])
        for _ in 0..<10 {
            fromUpstream = sim.inUpstream(["/usr/bin/python3", "-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())",
                                           "http://[\(SimulatedHost.hostAddress6)]:8082/cgi-bin/a"])
            if fromUpstream.status == 0 { break }
            usleep(300_000)
        }
        XCTAssertEqual(fromUpstream.status, 0, fromUpstream.stderr + "\n" + sim.hostRuleset())
        let remote = fromUpstream.stdout.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        XCTAssertEqual(remote, SimulatedHost.upstreamAddress6, "DNAT over IPv6, not the proxy")

        // The ip6 table goes with the last IPv6 network; the ip one with the last network.
        XCTAssertEqual(sim.host(["rm", "-f", "c6", "c7", "web6"]).status, 0)
        XCTAssertEqual(sim.host(["network", "rm", "out6", "closed6"]).status, 0)
        XCTAssertFalse(sim.hostTables().contains { $0.hasPrefix("table ip6 berth-") }, "\(sim.hostTables())")
    }
}
