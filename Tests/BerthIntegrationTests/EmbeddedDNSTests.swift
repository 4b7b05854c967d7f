import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Names by DNS (issue 12): each container's supervisor answers at 127.0.0.11 inside its network
/// namespace (`berth-shim/dns.c`, docs/networking.md "Names"). Real containers on the test
/// root's networks (layer 2 only); forwarding runs on a simulated host (`SimulatedHost`) whose
/// upstream namespace runs dnsmasq. Every test removes its containers, services and networks,
/// and the per-test leak check finds any interface, mount or process left.
final class EmbeddedDNSTests: ContainerTestCase {
    override class var rootLabel: String { "dns" }

    static let loop = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait; done"]

    func subnet(_ k: Int) -> String { "10.217.\((Int(getpid()) % 200 + k) % 254 + 1).0/24" }

    func cleanUp(containers: [String], networks: [String] = []) {
        addTeardownBlock { [cli] in
            cli.removeAllServices()
            if !containers.isEmpty { cli.run(["rm", "-f"] + containers) }
            for n in networks { cli.run(["network", "rm", n]) }
        }
    }

    static let python = "/usr/bin/python3"

    /// Two running busybox containers for a python script run in the first's network namespace
    /// (`inNamespace`): the first's init pid and the second's address. `why`: what python does.
    func twoContainers(_ first: String, _ second: String, python why: String) throws -> (pid: Int, address: String) {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            try Prerequisite.unmet("\(Self.python) is missing (apt-get install python3): \(why)")
        }
        _ = try Prerequisite.requireTool("nsenter")
        cleanUp(containers: [first, second])
        XCTAssertEqual(cli.run(["run", "-d", "--name", first, "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", second, "busybox", "sleep", "600"]).status, 0)
        return (try XCTUnwrap(try cli.state(first)["Pid"] as? Int), try address(second))
    }

    /// `script` by python in the network namespace of the process `pid`.
    func inNamespace(of pid: Int, _ script: String) throws -> Subprocess.Result {
        Subprocess.run(try Prerequisite.requireTool("nsenter"), ["-t", String(pid), "-n", Self.python, "-c", script], timeout: 60)
    }

    /// The container's eth0 address, as `inspect` shows it.
    func address(_ container: String) throws -> String {
        let address = dig(try cli.inspect(container), "NetworkSettings", "IPAddress") as? String
        return try XCTUnwrap(address.flatMap { $0.isEmpty ? nil : $0 }, "no address of \(container)")
    }

    /// A service of three replicas resolves to all three, in an order that rotates; after
    /// `scale web=1` to the one left. resolv.conf names the container's own server, and no
    /// /etc/hosts lists the others.
    func testAServiceResolvesToEveryRunningReplicaRotated() throws {
        cleanUp(containers: ["dns-client"])
        XCTAssertEqual(cli.run(["service", "create", "--replicas", "3", "dweb", "busybox"] + Self.loop).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "dns-client", "busybox", "sleep", "600"]).status, 0)
        let replicas = try Set(["dweb-1", "dweb-2", "dweb-3"].map { try address($0) })
        XCTAssertEqual(replicas.count, 3)

        let resolv = cli.run(["exec", "dns-client", "cat", "/etc/resolv.conf"]).stdout
        XCTAssertEqual(resolv.split(separator: "\n").first, "nameserver 127.0.0.11", resolv)
        XCTAssertFalse(cli.run(["exec", "dns-client", "cat", "/etc/hosts"]).stdout.contains("dweb"), "names come by DNS only")

        var firsts: [String] = []
        for _ in 0..<3 {
            let got = cli.lookup("dns-client", "dweb")
            XCTAssertEqual(Set(got), replicas, "every replica")
            XCTAssertEqual(got.count, 3)
            firsts += got.prefix(1)
        }
        XCTAssertGreaterThan(Set(firsts).count, 1, "the order rotates across queries: \(firsts)")
        XCTAssertEqual(cli.lookup("dns-client", "dweb-2"), [try address("dweb-2")], "a replica by its own name")

        let down = cli.run(["scale", "dweb=1"])
        XCTAssertEqual(down.status, 0, down.stderr)
        XCTAssertEqual(cli.lookup("dns-client", "dweb"), [try address("dweb-1")])
        XCTAssertEqual(cli.lookup("dns-client", "dweb-3"), [], "a removed replica no longer resolves")
    }

    /// Only running members of networks the asker is on: a stopped container's name goes, comes
    /// back with its start; another network's names are never answered; NAME.NETWORK and PTR work.
    func testOnlyRunningMembersOfSharedNetworksResolve() throws {
        let a = "dns-net-a", b = "dns-net-b"
        cleanUp(containers: ["dns-a1", "dns-a2", "dns-b1"], networks: [a, b])
        XCTAssertEqual(cli.run(["network", "create", "--subnet", subnet(1), a]).status, 0)
        XCTAssertEqual(cli.run(["network", "create", "--subnet", subnet(2), b]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "dns-a1", "--network", a, "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "dns-a2", "--network", a, "--network-alias", "db", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "dns-b1", "--network", b, "busybox", "sleep", "600"]).status, 0)
        let a2 = try address("dns-a2")

        XCTAssertEqual(cli.lookup("dns-a1", "dns-a2"), [a2])
        XCTAssertEqual(cli.lookup("dns-a1", "db"), [a2], "an alias")
        XCTAssertEqual(cli.lookup("dns-a1", "dns-a2.\(a)"), [a2], "NAME.NETWORK")
        XCTAssertEqual(cli.lookup("dns-a1", "DNS-A2"), [a2], "names match in any case")
        XCTAssertEqual(cli.lookup("dns-a1", "dns-b1"), [], "another network's name")
        XCTAssertEqual(cli.lookup("dns-b1", "dns-a2"), [], "and the other way")
        let ptr = cli.run(["exec", "dns-a1", "nslookup", a2])
        XCTAssertTrue(ptr.stdout.contains("dns-a2.\(a)"), ptr.stdout + ptr.stderr)

        XCTAssertEqual(cli.run(["stop", "-t", "0", "dns-a2"]).status, 0)
        XCTAssertEqual(cli.lookup("dns-a1", "dns-a2"), [], "a stopped container no longer resolves")
        XCTAssertEqual(cli.lookup("dns-a1", "db"), [])
        XCTAssertEqual(cli.run(["start", "dns-a2"]).status, 0)
        XCTAssertEqual(cli.lookup("dns-a1", "db"), [try address("dns-a2")])

        // Connected to b while running: it sees b's names at once, and b sees it.
        XCTAssertEqual(cli.run(["network", "connect", b, "dns-a1"]).status, 0)
        XCTAssertEqual(cli.lookup("dns-a1", "dns-b1"), [try address("dns-b1")])
        XCTAssertEqual(cli.lookup("dns-b1", "dns-a1").count, 1)
        XCTAssertEqual(cli.run(["network", "disconnect", b, "dns-a1"]).status, 0)
        XCTAssertEqual(cli.lookup("dns-a1", "dns-b1"), [])
    }

    /// Hostile queries from inside the container (sent by python in its network namespace):
    /// a compression loop, a forward pointer, a truncated question, garbage; the server answers
    /// FORMERR or nothing, and still answers a good query after them, over UDP and TCP.
    func testHostileQueriesNeverStopTheServer() throws {
        let (pid, peer) = try twoContainers("dns-target", "dns-peer", python: "it sends the raw queries")
        let script = """
            import socket, struct, sys
            def q(name, t=1, flags=0x0100, qd=1):
                w = b''.join(bytes([len(l)]) + l.encode() for l in name.split('.') if l) + b'\\0'
                return struct.pack('>HHHHHH', 0x4242, flags, qd, 0, 0, 0) + w + struct.pack('>HH', t, 1)
            hdr = struct.pack('>HHHHHH', 0x4242, 0x0100, 1, 0, 0, 0)
            bad = [hdr + b'\\x01a\\xc0\\x0c\\x00\\x01\\x00\\x01', hdr + b'\\xc0\\x10\\x00\\x00\\x01\\x00\\x01',
                   hdr + b'\\x3fab', hdr + b'\\x40a\\x00\\x00\\x01\\x00\\x01', q('x', qd=2), b'\\xff' * 5, b'']
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2)
            for m in bad:
                u.sendto(m, ('127.0.0.11', 53))
                try:
                    r, _ = u.recvfrom(4096)
                    print('rcode', r[3] & 15)
                except socket.timeout:
                    print('none')
            u.sendto(q('dns-peer'), ('127.0.0.11', 53))
            r, _ = u.recvfrom(4096)
            print('udp', '.'.join(str(b) for b in r[-4:]), struct.unpack('>H', r[6:8])[0])
            t = socket.create_connection(('127.0.0.11', 53), timeout=2)
            m = q('dns-peer')
            t.sendall(struct.pack('>H', len(m)) + m)
            n = struct.unpack('>H', t.recv(2))[0]
            r = b''
            while len(r) < n: r += t.recv(n - len(r))
            print('tcp', '.'.join(str(b) for b in r[-4:]), struct.unpack('>H', r[:2])[0] == 0x4242)
            """
        let r = try inNamespace(of: pid, script)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(lines.prefix(5)), ["rcode 1", "rcode 1", "rcode 1", "rcode 1", "rcode 1"], r.stdout)
        XCTAssertEqual(Array(lines.dropFirst(5).prefix(2)), ["none", "none"], "nothing worth an answer: \(r.stdout)")
        XCTAssertTrue(lines.contains("udp \(peer) 1"), r.stdout)
        XCTAssertTrue(lines.contains("tcp \(peer) True"), r.stdout)
        XCTAssertEqual(try cli.state("dns-target")["Status"] as? String, "running")
    }

    /// A DNS server *in* the container (dnsmasq, coredns) binds 0.0.0.0:53, UDP and TCP: Berth's
    /// server listens at a port of its own, reached from 127.0.0.11:53 by a DNAT rule in the
    /// container's namespace (`berth-shim/dns_nat.c`), so the wildcard bind succeeds, queries to
    /// 127.0.0.11 are still Berth's (the reply's source is 127.0.0.11:53), and a datagram to the
    /// container's own address on port 53 reaches the container's server.
    /// The server's fallback to binding 127.0.0.11:53 itself (a kernel without nf_tables NAT) is
    /// said in `inspect`'s `Berth.Notices`, from the supervisor's `dns-notice` file. This kernel
    /// has the NAT: no notice; a notice file (as the supervisor writes it, here with hostile
    /// bytes) is shown as one escaped line.
    func testTheDNSFallbackIsSaidByInspect() throws {
        cleanUp(containers: ["dns-notice"])
        XCTAssertEqual(cli.run(["run", "-d", "--name", "dns-notice", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.lookup("dns-notice", "dns-notice").count, 1, "its DNS server answers")
        let info = try cli.inspect("dns-notice")
        XCTAssertEqual(dig(info, "Berth", "Notices") as? [String], [], "the redirect worked: nothing to say")
        let directory = try XCTUnwrap(dig(info, "Berth", "Directory") as? String)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/dns-notice"))
        try "the DNS server listens on 127.0.0.11:53 itself\u{1b}[31m\nsecond line\n".write(
            toFile: directory + "/dns-notice", atomically: true, encoding: .utf8)
        let notices = try XCTUnwrap(dig(try cli.inspect("dns-notice"), "Berth", "Notices") as? [String])
        XCTAssertEqual(notices, ["the DNS server listens on 127.0.0.11:53 itself\\x1b[31m"], "one line, escaped")
        // A start where the redirect works takes the notice away (it tells how the server listens now).
        XCTAssertEqual(cli.run(["restart", "-t", "0", "dns-notice"]).status, 0)
        XCTAssertEqual(dig(try cli.inspect("dns-notice"), "Berth", "Notices") as? [String], [])
    }

    func testAServerInTheContainerCanTakePort53() throws {
        let (pid, mate) = try twoContainers("dns-own", "dns-mate", python: "it plays the container's DNS server")
        let own = try address("dns-own")
        let script = """
            import socket, struct
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('0.0.0.0', 53))
            t = socket.socket(); t.bind(('0.0.0.0', 53)); t.listen(1)
            print('bound')
            q = struct.pack('>HHHHHH', 0x4343, 0x0100, 1, 0, 0, 0) + b'\\x08dns-mate\\x00' + struct.pack('>HH', 1, 1)
            c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.settimeout(3)
            c.sendto(q, ('127.0.0.11', 53))
            r, src = c.recvfrom(4096)
            print('answer', '.'.join(str(b) for b in r[-4:]), src[0], src[1])
            c.sendto(b'hello', ('\(own)', 53))
            u.settimeout(3)
            print('own server got', u.recvfrom(100)[0].decode())
            """
        let r = try inNamespace(of: pid, script)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, ["bound", "answer \(mate) 127.0.0.11 53", "own server got hello"], r.stdout + r.stderr)
        XCTAssertEqual(cli.lookup("dns-own", "dns-mate"), [mate], "busybox's resolver, after the wildcard sockets closed")
    }
}

/// Names it does not know, a container's DNS server forwards: to `--dns` here, a dnsmasq in the
/// simulated host's upstream namespace (Debian `dnsmasq-base`), from the host's namespace.
final class EmbeddedDNSForwardTests: XCTestCase {
    private var sim: SimulatedHost?
    private var dnsmasqPID: pid_t = 0

    override func setUpWithError() throws {
        try Prerequisite.requireRoot()
        try Prerequisite.requireTool("dnsmasq")
        sim = try SimulatedHost()
    }

    override func tearDown() {
        if dnsmasqPID > 0 { SSHTestHosts.stop(dnsmasqPID, SIGKILL) }
        dnsmasqPID = 0
        if let sim {
            let problems = sim.remove()
            XCTAssertEqual(problems, [], "the simulated host left things behind")
        }
        sim = nil
        super.tearDown()
    }

    func testOutsideNamesAreForwardedWithTheClientsID() throws {
        let sim = try XCTUnwrap(sim)
        let dnsmasq = try Prerequisite.requireTool("dnsmasq")
        let nsenter = try Prerequisite.requireTool("nsenter")
        dnsmasqPID = try SSHTestHosts.spawn([nsenter, "-t", String(sim.upstreamPID), "-n", dnsmasq, "--no-daemon", "--no-resolv",
                                             "--no-hosts", "--conf-file=/dev/null", "--listen-address=\(SimulatedHost.upstreamAddress)",
                                             "--bind-interfaces", "--port=53", "--pid-file=",
                                             "--address=/outside.test/198.51.100.7"], log: sim.directory + "/dnsmasq.log")
        let run = sim.host(["run", "-d", "--name", "fwd", "--dns", SimulatedHost.upstreamAddress, "busybox", "sleep", "600"])
        XCTAssertEqual(run.status, 0, run.stderr)
        var got: [String] = []
        for _ in 0..<10 {
            got = BerthCLI.addresses(inNslookup: sim.host(["exec", "fwd", "nslookup", "-type=a", "www.outside.test"]).stdout)
            if !got.isEmpty { break }
            usleep(300_000)
        }
        XCTAssertEqual(got, ["198.51.100.7"], (try? String(contentsOfFile: sim.directory + "/dnsmasq.log", encoding: .utf8)) ?? "")
        // The container's own name still comes from its server, not from upstream.
        XCTAssertEqual(BerthCLI.addresses(inNslookup: sim.host(["exec", "fwd", "nslookup", "-type=a", "fwd"]).stdout).count, 1)
        XCTAssertEqual(sim.host(["rm", "-f", "fwd"]).status, 0)
    }
}
