import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `--network container:NAME`: a container in another's network namespace sees its interfaces
/// and address, reaches its servers on 127.0.0.1 and uses its names; what docker refuses with the
/// mode is refused in one line; a joiner of a stopped, missing or hostile NAME leaves nothing;
/// the other's interfaces go when it stops, and a joiner cannot start once it is removed.
final class ContainerNetworkModeTests: ContainerTestCase {
    override class var rootLabel: String { "netjoin" }

    /// A busybox httpd on the owner's loopback only: a joiner reaching it proves the shared namespace.
    private func owner(_ name: String) -> BerthCLI.Result {
        cli.run(["run", "-d", "--name", name, "busybox", "sh", "-c",
                 "mkdir -p /srv && echo page-of-\(name) > /srv/index.html && exec httpd -f -p 127.0.0.1:8080 -h /srv"])
    }

    private func address(_ name: String) throws -> String {
        try XCTUnwrap(((try cli.inspect(name))["NetworkSettings"] as? [String: Any])?["IPAddress"] as? String)
    }

    /// The directories, names and leases of the root, to compare before and after a refusal.
    private func rootContents() -> [String] {
        let fm = FileManager.default
        let containers = ((try? fm.contentsOfDirectory(atPath: cli.root + "/containers")) ?? []).sorted()
        let leases = ((try? fm.contentsOfDirectory(atPath: cli.root + "/networks")) ?? []).filter { $0.hasSuffix(".leases") }.sorted()
            .map { $0 + ": " + ((try? String(contentsOfFile: cli.root + "/networks/" + $0, encoding: .utf8)) ?? "") }
        return containers + leases + [cli.run(["ps", "-a", "-q", "--no-trunc"]).stdout]
    }

    func testAJoinerSharesTheInterfacesAddressLoopbackAndNamesOfTheOther() throws {
        XCTAssertEqual(owner("nj-owner").status, 0)
        let ip = try address("nj-owner")
        let ownerID = try XCTUnwrap((try cli.inspect("nj-owner"))["Id"] as? String)
        let r = cli.run(["run", "--rm", "--network", "container:nj-owner", "busybox", "sh", "-c",
                         "ip -4 -o addr show eth0; grep -c eth0: /proc/net/dev; hostname; "
                         + "for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://127.0.0.1:8080/ && exit 0; sleep 0.3; done; exit 1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("inet \(ip)/"), "the joiner sees the owner's eth0 and address: \(r.stdout)")
        XCTAssertTrue(r.stdout.contains("\n1\nnj-owner\n"), "its /proc/net/dev and the owner's hostname: \(r.stdout)")
        XCTAssertTrue(r.stdout.hasSuffix("page-of-nj-owner\n"), "the owner's server on 127.0.0.1: \(r.stdout)")

        // A detached joiner: inspect, exec and the owner's DNS server at 127.0.0.11.
        XCTAssertEqual(cli.run(["run", "-d", "--name", "nj-joiner", "--network", "container:nj-owner", "busybox", "sleep", "300"]).status, 0)
        let doc = try cli.inspect("nj-joiner")
        XCTAssertEqual((doc["HostConfig"] as? [String: Any])?["NetworkMode"] as? String, "container:\(ownerID)")
        XCTAssertEqual(((doc["NetworkSettings"] as? [String: Any])?["IPAddress"] as? String) ?? "", "", "no address of its own")
        let exec = cli.run(["exec", "nj-joiner", "sh", "-c", "ip -4 -o addr show eth0; cat /etc/resolv.conf; nslookup nj-owner"])
        XCTAssertTrue(exec.stdout.contains("inet \(ip)/"), "an exec is in the same namespace: \(exec.stdout)")
        XCTAssertTrue(exec.stdout.contains("nameserver 127.0.0.11"), exec.stdout)
        XCTAssertTrue(exec.stdout.contains("Address: \(ip)"), "the owner's DNS server answers the joiner: \(exec.stdout)")
        XCTAssertTrue(cli.run(["network", "connect", "bridge", "nj-joiner"]).status != 0, "a joiner has no network to connect to")
        XCTAssertEqual(cli.run(["rm", "-f", "nj-joiner", "nj-owner"]).status, 0)
    }

    func testWhatDockerRefusesWithTheModeIsRefusedInOneLine() throws {
        XCTAssertEqual(cli.run(["create", "--name", "nj-target", "busybox", "sleep", "300"]).status, 0)
        let before = rootContents()
        let cases: [([String], String)] = [
            (["--hostname", "other"], "conflicting options: hostname and the network mode container:nj-target"),
            (["-p", "127.0.0.1:18080:80"], "conflicting options: port publishing and the network mode"),
            (["-P"], "conflicting options: port exposing and the network mode"),
            (["--expose", "80"], "conflicting options: port exposing and the network mode"),
            (["--dns", "192.0.2.1"], "conflicting options: dns and the network mode"),
            (["--dns-search", "example.com"], "conflicting options: dns and the network mode"),
            (["--add-host", "db:192.0.2.9"], "conflicting options: custom host-to-IP mapping and the network mode"),
            (["--network-alias", "web"], "conflicting options: network-alias and the network mode"),
            (["--ip", "10.214.0.99"], "conflicting options: ip and the network mode"),
            (["--sysctl", "net.ipv4.ip_forward=1"], "sysctl net.ipv4.ip_forward is not allowed with --network container:NAME"),
        ]
        for (flags, message) in cases {
            let r = cli.run(["run", "--rm", "--network", "container:nj-target"] + flags + ["busybox", "true"])
            assertOneLine(r, status: 125, saying: message)
        }
        XCTAssertEqual(rootContents(), before, "nothing was made")
        XCTAssertEqual(cli.run(["rm", "nj-target"]).status, 0)
    }

    func testAJoinerOfAStoppedMissingOrHostileContainerLeavesNothing() throws {
        XCTAssertEqual(cli.run(["create", "--name", "nj-stopped", "busybox", "sleep", "300"]).status, 0)
        let before = rootContents()
        assertOneLine(cli.run(["run", "--rm", "--network", "container:nj-stopped", "busybox", "true"]), status: 125,
                      saying: "cannot join the network of container nj-stopped: it is not running")
        assertOneLine(cli.run(["run", "-d", "--name", "nj-x", "--network", "container:nj-stopped", "busybox", "true"]), status: 125,
                      saying: "it is not running")
        assertOneLine(cli.run(["run", "--network", "container:nj-missing", "busybox", "true"]), status: 125,
                      saying: "no such container: nj-missing")
        assertOneLine(cli.run(["run", "--network", "container:../x", "busybox", "true"]), status: 125,
                      saying: "invalid network mode 'container:../x'")
        assertOneLine(cli.run(["run", "--network", "container:", "busybox", "true"]), status: 125,
                      saying: "expected container:NAME or container:ID")
        assertOneLine(cli.run(["run", "--network", "container", "busybox", "true"]), status: 125,
                      saying: "expected container:NAME or container:ID")
        let hostile = cli.run(["run", "--network", "container:a\u{1B}[2Jb\nc", "busybox", "true"])
        assertOneLine(hostile, status: 125, saying: "invalid network mode 'container:a\\x1b[2Jb\\nc'")
        XCTAssertFalse(hostile.stderr.contains("\u{1B}"), "control characters are escaped")
        XCTAssertEqual(rootContents(), before, "no directory, name or lease was left")
        XCTAssertEqual(cli.run(["rm", "nj-stopped"]).status, 0)
    }

    func testTheOthersInterfacesGoWhenItStopsAndAJoinerCannotStartAfterItIsRemoved() throws {
        XCTAssertEqual(owner("nj-first").status, 0)
        let ownerID = try XCTUnwrap((try cli.inspect("nj-first"))["Id"] as? String)
        let veth = "berth" + ownerID.prefix(9)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "nj-second", "--network", "container:nj-first", "busybox", "sleep", "300"]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "/sys/class/net/" + veth), "the owner's veth is on the bridge")
        XCTAssertEqual(cli.run(["stop", "-t", "0", "nj-first"]).status, 0)
        // docker's behaviour: the joiner keeps running in the namespace, with its loopback only,
        // and the owner's host end is gone from the bridge (its address free to be leased again).
        XCTAssertEqual(try cli.state("nj-second")["Status"] as? String, "running")
        var devices = ""
        XCTAssertTrue(cli.eventually(timeout: 10) {
            devices = cli.run(["exec", "nj-second", "cat", "/proc/net/dev"]).stdout
            return !devices.contains("eth0:") && devices.contains("lo:")
        }, devices)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/sys/class/net/" + veth), "the owner's veth went with its init")

        // The owner can be removed while a joiner runs (docker allows it); the joiner then cannot start again.
        XCTAssertEqual(cli.run(["rm", "nj-first"]).status, 0)
        XCTAssertEqual(cli.run(["stop", "-t", "0", "nj-second"]).status, 0)
        let again = cli.run(["start", "nj-second"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertEqual(again.stderr, "berth: cannot join the network of container \(ownerID.prefix(12)): it was removed (create nj-second again with another --network)\n")
        XCTAssertEqual(cli.run(["rm", "nj-second"]).status, 0)
    }

    /// Compose's `network_mode: service:NAME`: the service's first replica, started first.
    func testComposeServiceNetworkModeJoinsTheFirstReplica() throws {
        let file = try scratchDirectory(self, "netjoin-compose") + "/compose.yaml"
        try """
            services:
              side:
                image: busybox
                network_mode: "service:web"
                command: ["sh", "-c", "for i in $$(seq 30); do wget -q -O - http://127.0.0.1:8080/ && exec sleep 300; sleep 0.3; done; exit 1"]
              web:
                image: busybox
                command: ["sh", "-c", "mkdir -p /srv && echo page-of-web > /srv/index.html && exec httpd -f -p 127.0.0.1:8080 -h /srv"]
            """.write(toFile: file, atomically: true, encoding: .utf8)
        defer {
            cli.run(["down", "-t", "0", "-f", file, "-p", "njc"])
            cli.removeAllServices()
        }
        let up = cli.run(["up", "-d", "-f", file, "-p", "njc"])
        XCTAssertEqual(up.status, 0, up.stderr)
        let webID = try XCTUnwrap((try cli.inspect("web-1"))["Id"] as? String)
        XCTAssertEqual(((try cli.inspect("side-1"))["HostConfig"] as? [String: Any])?["NetworkMode"] as? String, "container:\(webID)")
        XCTAssertTrue(cli.eventually(timeout: 20) { cli.run(["logs", "side-1"]).stdout == "page-of-web\n" },
                      "the side car reached web's loopback server: \(cli.run(["logs", "side-1"]).stdout)")
        XCTAssertEqual(cli.run(["down", "-t", "0", "-f", file, "-p", "njc"]).status, 0)
    }

    /// The supervisor's own check: a joiner restarted by its policy after the owner's init changed
    /// does not join whatever now holds the old pid; it ends with the reason in its status.
    func testARestartAfterTheOwnerStoppedIsRefusedByTheSupervisor() throws {
        XCTAssertEqual(owner("nj-host").status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "nj-guest", "--restart", "on-failure:5", "--network", "container:nj-host",
                                "busybox", "sh", "-c", "sleep 1; exit 3"]).status, 0)
        XCTAssertEqual(cli.run(["stop", "-t", "0", "nj-host"]).status, 0)
        var state: [String: Any] = [:]
        XCTAssertTrue(cli.eventually(timeout: 30) {
            state = (try? cli.state("nj-guest")) ?? [:]
            return (state["Error"] as? String ?? "").contains("it is not running")
        }, "\(state)")
        XCTAssertEqual(state["Running"] as? Bool, false)
        XCTAssertEqual(cli.run(["rm", "-f", "nj-guest", "nj-host"]).status, 0)
    }
}
