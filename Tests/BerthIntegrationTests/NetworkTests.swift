import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Bridge networking: containers reach each other by name, the host reaches published ports on
/// loopback, addresses are leased and released, and nothing of Berth's stays on the host.
final class NetworkTests: ContainerTestCase {
    override class var rootLabel: String { "net" }

    func web(_ name: String, page: String, extra: [String] = []) -> BerthCLI.Result {
        cli.run(["run", "-d", "--name", name] + extra + ["busybox", "sh", "-c",
                 "echo \(page) > /var/www/index.html; exec httpd -f -p 80 -h /var/www"])
    }

    func testContainersReachEachOtherByName() throws {
        XCTAssertEqual(web("www", page: "hello-by-name").status, 0)
        let r = cli.run(["run", "--rm", "--name", "fetcher", "busybox", "sh", "-c",
                         "for i in 1 2 3 4 5; do timeout 3 wget -q -O - http://www/ && exit 0; sleep 0.2; done; exit 1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "hello-by-name\n")
        let hosts = cli.run(["exec", "www", "cat", "/etc/hosts"]).stdout
        XCTAssertTrue(hosts.contains("\twww"), hosts)
        XCTAssertEqual(cli.run(["rm", "-f", "www"]).status, 0)
    }

    func testNoneNetworkCannotReachTheBridge() throws {
        XCTAssertEqual(web("lonely", page: "x").status, 0)
        let ip = try XCTUnwrap(((try? cli.inspect("lonely"))?["NetworkSettings"] as? [String: Any])?["IPAddress"] as? String)
        let r = cli.run(["run", "--rm", "--network", "none", "busybox", "sh", "-c", "ls /sys/class/net; timeout 2 wget -q -O - http://\(ip)/"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "lo\n")
        XCTAssertEqual(cli.run(["rm", "-f", "lonely"]).status, 0)
    }

    func testPublishedPortAnswersOnLoopback() throws {
        let port = 20000 + Int(getpid() % 20000)
        XCTAssertEqual(web("published", page: "from-the-container", extra: ["-p", "127.0.0.1:\(port):80"]).status, 0)
        var body = ""
        let ok = cli.eventually(timeout: 5) {
            body = Subprocess.run("/bin/busybox", ["timeout", "3", "busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:\(port)/"]).stdout
            return body == "from-the-container\n"
        }
        XCTAssertTrue(ok, "got '\(body)'")
        XCTAssertTrue(cli.run(["ps"]).stdout.contains("127.0.0.1:\(port)->80/tcp"))
        let clash = cli.run(["run", "-d", "-p", "127.0.0.1:\(port):80", "busybox", "sleep", "10"])
        XCTAssertEqual(clash.status, 125)
        XCTAssertTrue(clash.stderr.contains("Address already in use"), clash.stderr)
        XCTAssertEqual(cli.run(["rm", "-f", "published"]).status, 0)
        XCTAssertNotEqual(Subprocess.run("/bin/busybox", ["timeout", "2", "busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:\(port)/"]).status, 0,
                          "the port is closed with its container")
    }

    func testAddressesAreLeasedAndReleased() throws {
        func ip(_ name: String) throws -> String {
            try XCTUnwrap(((try? cli.inspect(name))?["NetworkSettings"] as? [String: Any])?["IPAddress"] as? String)
        }
        XCTAssertEqual(cli.run(["create", "--name", "n1", "busybox", "true"]).status, 0)
        XCTAssertEqual(cli.run(["create", "--name", "n2", "busybox", "true"]).status, 0)
        let a = try ip("n1"), b = try ip("n2")
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(cli.run(["rm", "n1"]).status, 0)
        XCTAssertEqual(cli.run(["create", "--name", "n3", "busybox", "true"]).status, 0)
        XCTAssertEqual(try ip("n3"), a, "a released address is handed out again")
        XCTAssertEqual(cli.run(["rm", "n2", "n3"]).status, 0)
    }

    func testEachContainerHasItsAddressAndDefaultRoute() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "routed", "busybox", "sleep", "30"]).status, 0)
        let info = try XCTUnwrap((try cli.json(["network", "inspect"]) as? [String: Any]))
        let gateway = try XCTUnwrap(info["gateway"] as? String)
        let r = cli.run(["exec", "routed", "sh", "-c", "ip -4 -o addr show eth0; ip route"])
        XCTAssertTrue(r.stdout.contains("default via \(gateway) dev eth0"), r.stdout)
        let ip = try XCTUnwrap(((try? cli.inspect("routed"))?["NetworkSettings"] as? [String: Any])?["IPAddress"] as? String)
        XCTAssertTrue(r.stdout.contains("inet \(ip)/"), r.stdout)
        // The host reaches the container through the bridge's connected route.
        let ping = Subprocess.run("/bin/busybox", ["ping", "-c", "1", "-W", "2", ip])
        XCTAssertEqual(ping.status, 0, ping.stdout + ping.stderr)
        XCTAssertEqual(cli.run(["rm", "-f", "routed"]).status, 0)
    }

    func testNetworkRemovalIsRefusedWhileInUse() {
        XCTAssertEqual(cli.run(["create", "--name", "holder", "busybox", "true"]).status, 0)
        let r = cli.run(["network", "rm"])
        XCTAssertEqual(r.status, 125)
        XCTAssertTrue(r.stderr.contains("holder"))
        XCTAssertEqual(cli.run(["rm", "holder"]).status, 0)
    }
}
