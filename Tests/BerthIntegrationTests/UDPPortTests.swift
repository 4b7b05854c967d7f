import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `-p …/udp` (issue 11) through the supervisor's proxy on 127.0.0.1: each client's datagrams
/// reach the container and its answers come back to that client alone; `port`, `ps` and `inspect`
/// name the port "53/udp"; `-P` publishes `--expose 53/udp` and an image's "53/udp". (The kernel's
/// DNAT of udp is `OutboundTests.testUDPPortsAreDNATedFromUpstream`, in a simulated host: never on the real one.) busybox has no UDP
/// server, so the container runs a small static echo (`UDPEcho`) built with the toolchain's clang.
final class UDPPortTests: ContainerTestCase {
    override class var rootLabel: String { "udp" }

    private var scratch = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        scratch = NSTemporaryDirectory() + "berth-udp-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: scratch)
        super.tearDown()
    }

    private func udpEcho() throws -> String { try UDPEcho.build(into: scratch) }

    private func udpSocket() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NSError(domain: "udp", code: Int(errno)) }
        return fd
    }

    /// Sends `text` from `fd` to 127.0.0.1:`port` until its echo comes back (the server may not be
    /// listening yet: a datagram can be lost); the echo, or what came instead, or "".
    private func exchange(_ fd: Int32, port: UInt16, _ text: String) -> String {
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = port.bigEndian
        sa.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bytes = Array(text.utf8)
        var last = ""
        for _ in 0..<20 {
            _ = bytes.withUnsafeBytes { b in
                withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                } }
            }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while poll(&p, 1, 500) == 1 {
                var buf = [UInt8](repeating: 0, count: 2048)
                let n = recv(fd, &buf, buf.count, 0)
                guard n > 0 else { break }
                last = String(decoding: buf[..<n], as: UTF8.self)
                // An answer to an earlier try of the same text is skipped, not taken for the next one's.
                if last == "echo:" + text { return last }
            }
        }
        return last
    }

    func testDatagramsAreRelayedToEachClientAndNamedUDP() throws {
        let echo = try udpEcho()
        let base = UInt16(23000 + Int(getpid() % 20000))
        // Container port 80 for both: the container's own DNS server holds 127.0.0.11:53, so an
        // echo bound to 0.0.0.0:53 would fail with "address in use".
        let r = cli.run(["run", "-d", "--name", "dns", "-v", echo + ":/udpecho:ro", "-p", "127.0.0.1:\(base):80/udp",
                         "-p", "127.0.0.1:\(base):80", "busybox", "/udpecho", "80"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(cli.run(["port", "dns"]).stdout, "80/tcp -> 127.0.0.1:\(base)\n80/udp -> 127.0.0.1:\(base)\n",
                       "tcp and udp have ports of their own: one number serves both")
        XCTAssertEqual(cli.run(["port", "dns", "80/udp"]).stdout, "127.0.0.1:\(base)\n")
        let tcp53 = cli.run(["port", "dns", "53"])
        XCTAssertNotEqual(tcp53.status, 0)
        XCTAssertEqual(tcp53.stderr, "berth: no public port '53/tcp' published for dns\n")
        let ps = cli.run(["ps"]).stdout
        XCTAssertTrue(ps.contains("127.0.0.1:\(base)->80/udp"), ps)
        XCTAssertEqual(cli.run(["inspect", "-f", "{{json .NetworkSettings.Ports}} {{json .Config.ExposedPorts}}", "dns"]).stdout,
                       "{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\(base)\"}],\"80/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\(base)\"}]}"
                       + " {\"80/tcp\":{},\"80/udp\":{}}\n")

        let a = try udpSocket(), b = try udpSocket()
        defer { close(a); close(b) }
        XCTAssertEqual(exchange(a, port: base, "one"), "echo:one")
        XCTAssertEqual(exchange(b, port: base, "two"), "echo:two", "a second client is answered")
        XCTAssertEqual(exchange(a, port: base, "three"), "echo:three", "the first client still is")
        // Nothing of one client's reaches the other.
        var p = pollfd(fd: b, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&p, 1, 300), 0, "client b got a datagram that was not its own")
    }

    func testPublishAllTakesUDPFromExposeAndFromTheImage() throws {
        let r = cli.run(["create", "--name", "exp", "-P", "--expose", "53/udp", "--expose", "53", "busybox", "true"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = cli.run(["port", "exp"]).stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.map { $0.prefix { $0 != " " } }, ["53/tcp", "53/udp"], "\(lines)")
        for line in lines { XCTAssertNotEqual(line.split(separator: ":").last, "0", "a real port was chosen: \(line)") }

        XCTAssertEqual(cli.run(["create", "--name", "base", "busybox", "true"]).status, 0)
        addTeardownBlock { [cli] in _ = cli.run(["rm", "-f", "img"]); _ = cli.run(["rmi", "udpimage:1"]) }
        let commit = cli.run(["commit", "--change", "EXPOSE 53/udp 5353/sctp", "base", "udpimage:1"])
        XCTAssertEqual(commit.status, 0, commit.stderr)
        let fromImage = cli.run(["create", "--name", "img", "-P", "udpimage:1", "true"])
        XCTAssertEqual(fromImage.status, 0, fromImage.stderr)
        let shown = cli.run(["port", "img"]).stdout
        XCTAssertTrue(shown.hasPrefix("53/udp -> 0.0.0.0:"), "the image's udp port, sctp skipped: \(shown)")
        XCTAssertEqual(shown.split(separator: "\n").count, 1, shown)
    }

    /// The relay keeps one socket per client, never more than the supervisor's table (64 entries
    /// shared with TCP): a flood of clients from fresh source ports evicts the client idle longest
    /// (it is answered again from a new socket when it writes again), and every datagram gets one
    /// answer, never more. The supervisor's sockets are counted in /proc, not taken from Berth.
    /// A published UDP port is the container's alone: a second container asking for it fails to
    /// start (the listener does not set SO_REUSEADDR, which for UDP would let both bind).
    func testAUDPPortTakenFailsTheSecondStart() throws {
        let base = UInt16(24000 + Int(getpid() % 20000))
        let first = cli.run(["run", "-d", "--name", "holder", "--network", "bridge", "-p", "127.0.0.1:\(base):80/udp", "busybox", "sleep", "300"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let clash = cli.run(["run", "-d", "--name", "clasher", "-p", "127.0.0.1:\(base):80/udp", "busybox", "sleep", "300"])
        XCTAssertEqual(clash.status, 125, clash.both)
        XCTAssertTrue(clash.stderr.contains("Address already in use"), clash.stderr)
        XCTAssertEqual(clash.stderr.split(separator: "\n").count, 1, clash.stderr)
    }

    func testTheClientTableIsBoundedAndEachDatagramAnsweredOnce() throws {
        let echo = try udpEcho()
        let base = UInt16(23000 + Int(getpid() % 20000))
        let r = cli.run(["run", "-d", "--name", "flood", "-v", echo + ":/udpecho:ro", "-p", "127.0.0.1:\(base):80/udp",
                         "busybox", "/udpecho", "80"])
        XCTAssertEqual(r.status, 0, r.stderr)
        guard let shim = try cli.berthKeys("flood")["ShimPid"] as? Int else { return XCTFail("no ShimPid in inspect") }
        func sockets() -> Int {
            let dir = "/proc/\(shim)/fd"
            return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
                .filter { ((try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/" + $0)) ?? "").hasPrefix("socket:") }.count
        }
        let before = sockets()
        var clients: [Int32] = []
        defer { clients.forEach { close($0) } }
        for i in 0..<100 {
            let fd = try udpSocket()
            clients.append(fd)
            let answer = exchange(fd, port: base, "c\(i)")
            guard answer == "echo:c\(i)" else {
                return XCTFail("client \(i) got \(answer.debugDescription); the supervisor: \(cli.run(["logs", "flood"]).stderr)")
            }
        }
        let held = sockets() - before
        XCTAssertLessThanOrEqual(held, 64, "100 clients: the relay holds at most its table's 64 sockets")
        XCTAssertGreaterThanOrEqual(held, 60, "the relay keeps recent clients (90 s idle): \(held) sockets")
        // The first client was evicted; it is answered again, from a socket of its own.
        XCTAssertEqual(exchange(clients[0], port: base, "again"), "echo:again")
        XCTAssertLessThanOrEqual(sockets() - before, 64)
        // One datagram, one answer: nothing more arrives for the last client's datagram.
        XCTAssertEqual(exchange(clients[99], port: base, "once"), "echo:once")
        var p = pollfd(fd: clients[99], events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&p, 1, 300), 0, "a second datagram came back for one sent")
    }

    func testBadProtocolsAreOneLineAndExit125() {
        for (flag, spec, why) in [("-p", "53/sctp", "invalid port '53/sctp': unknown protocol 'sctp': tcp or udp"),
                                  ("-p", "53/UDP", "invalid port '53/UDP': unknown protocol 'UDP': tcp or udp"),
                                  ("-p", "53/udp ", "invalid port '53/udp ': unknown protocol 'udp ': tcp or udp"),
                                  ("-p", "53/udp/tcp", "invalid port '53/udp/tcp': unknown protocol 'udp/tcp': tcp or udp"
                                   + " (one protocol, after the whole spec: 53-54/udp)"),
                                  ("-p", "5353-5354:53/udp-54/tcp", "invalid port '5353-5354:53/udp-54/tcp': unknown protocol 'udp-54/tcp':"
                                   + " tcp or udp (one protocol, after the whole spec: 53-54/udp)"),
                                  ("-p", "127.0.0.1:0:53/udp", "invalid port '127.0.0.1:0:53/udp': host port '0' is not a port in 1-65535"),
                                  ("-p", "5353:65536/udp", "invalid port '5353:65536/udp': container port '65536' is not a port in 1-65535"),
                                  ("--expose", "0/udp", "invalid port '0/udp': container port '0' is not a port in 1-65535"),
                                  ("--expose", "53/icmp", "invalid port '53/icmp': unknown protocol 'icmp': tcp or udp"),
                                  ("--expose", "1:53/udp", "invalid port '1:53/udp': expected PORT[-END][/tcp|/udp], a container port")] {
            let r = cli.run(["create", flag, spec, "busybox", "true"])
            XCTAssertEqual(r.status, 125, spec)
            XCTAssertEqual(r.stderr, "berth: \(why)\n", spec)
        }
        XCTAssertEqual(cli.run(["port", "nosuch", "53/sctp"]).stderr, "berth: invalid protocol 'sctp': tcp or udp\n")
        XCTAssertEqual(cli.run(["ps", "-a", "-q"]).stdout, "", "nothing was created by a refused spec")
    }
}
