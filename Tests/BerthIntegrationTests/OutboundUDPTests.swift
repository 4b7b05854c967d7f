import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// UDP published ports in the kernel: with outbound on, a `udp dport` DNAT rule, in the simulated
/// host's namespace only (never on the real host; `OutboundTests.tearDown` checks it).
extension OutboundTests {
    func testUDPPortsAreDNATedFromUpstream() throws {
        let sim = try XCTUnwrap(sim)
        let scratch = "/var/tmp/berth-udpecho-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let echo = try UDPEcho.build(into: scratch)
        let subnet = "10.216.\(Int(getpid()) % 100 + 1).0/24"
        XCTAssertEqual(sim.host(["network", "create", "--subnet", subnet, "out"]).status, 0)
        let run = sim.host(["run", "-d", "--name", "echo", "--network", "out", "-v", echo + ":/udpecho:ro",
                            "-p", "0.0.0.0:9053:80/udp", "busybox", "/udpecho", "80", "peer"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(sim.hostRuleset().contains("udp dport 9053 dnat to"), sim.hostRuleset())

        // A datagram from upstream to the host's address reaches the container with upstream's
        // own address (DNAT; the proxy's relay would show the gateway's), and the answer comes back.
        let client = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.5)
            for _ in range(20):
                s.sendto(b"x", (sys.argv[1], 9053))
                try:
                    sys.stdout.write(s.recv(2048).decode()); sys.exit(0)
                except socket.timeout:
                    pass
            sys.exit(1)
            """
        let answer = sim.inUpstream(["/usr/bin/python3", "-c", client, SimulatedHost.hostAddress])
        XCTAssertEqual(answer.status, 0, answer.stderr + "\n" + sim.hostRuleset())
        XCTAssertEqual(answer.stdout, "from:\(SimulatedHost.upstreamAddress)", "DNAT, not the proxy")

        XCTAssertEqual(sim.host(["rm", "-f", "echo"]).status, 0)
        XCTAssertFalse(sim.hostRuleset().contains("dnat to"), sim.hostRuleset())
        XCTAssertEqual(sim.host(["network", "rm", "out"]).status, 0)
    }
}
