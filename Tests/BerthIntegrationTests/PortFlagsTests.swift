import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// docker's `-p` forms (issues 11 and 12): an ephemeral host port, ranges, `-P` with `--expose`,
/// `berth port`, and hostile specs refused in one line with exit 125. On the real host every
/// listener here is on 127.0.0.1 (`-P`, which binds every address, is checked on created
/// containers, which listen on nothing).
final class PortFlagsTests: ContainerTestCase {
    override class var rootLabel: String { "ports" }

    private func httpd(_ name: String, _ publish: [String]) -> BerthCLI.Result {
        cli.run(["run", "-d", "--name", name] + publish.flatMap { ["-p", $0] } + ["busybox", "sh", "-c",
                 "echo \(name) > /var/www/index.html; exec httpd -f -p 80 -h /var/www"])
    }

    private func get(_ url: String) -> String {
        var body = ""
        _ = cli.eventually(timeout: 5) {
            body = Subprocess.run("/bin/busybox", ["timeout", "3", "busybox", "wget", "-q", "-O", "-", url]).stdout
            return !body.isEmpty
        }
        return body
    }

    func testAnEphemeralPortIsChosenRecordedAndServed() throws {
        let r = httpd("eph", ["127.0.0.1::80"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let port = cli.run(["port", "eph", "80"])
        XCTAssertEqual(port.status, 0, port.stderr)
        let hostPort = try XCTUnwrap(Int(port.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":").last ?? ""), port.stdout)
        XCTAssertTrue(port.stdout.hasPrefix("127.0.0.1:"), port.stdout)
        XCTAssertTrue((1024...65535).contains(hostPort), "\(hostPort)")
        XCTAssertEqual(get("http://127.0.0.1:\(hostPort)/"), "eph\n")
    }

    func testARangePublishesEachPort() throws {
        let base = 21000 + Int(getpid() % 20000)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "rng", "-p", "127.0.0.1:\(base)-\(base + 2):80-82", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["port", "rng"]).stdout,
                       "80/tcp -> 127.0.0.1:\(base)\n81/tcp -> 127.0.0.1:\(base + 1)\n82/tcp -> 127.0.0.1:\(base + 2)\n")
        XCTAssertEqual(cli.run(["port", "rng", "81"]).stdout, "127.0.0.1:\(base + 1)\n")
    }

    func testPublishAllTakesExposedPortsToEphemeralPortsOfEveryAddress() throws {
        let r = cli.run(["create", "--name", "all", "-P", "--expose", "80", "--expose", "90-91/tcp", "-p", "127.0.0.1::70", "busybox", "true"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = cli.run(["port", "all"]).stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, "\(lines)")
        XCTAssertTrue(lines[0].hasPrefix("70/tcp -> 127.0.0.1:"), "\(lines)")
        for (line, port) in zip(lines.dropFirst(), [80, 90, 91]) {
            XCTAssertTrue(line.hasPrefix("\(port)/tcp -> 0.0.0.0:"), "docker's -P binds every address: \(line)")
            XCTAssertNotEqual(line.split(separator: ":").last, "0", "a real port was chosen: \(line)")
        }
        let noExpose = cli.run(["create", "--name", "none", "-P", "busybox", "true"])
        XCTAssertEqual(noExpose.status, 0, noExpose.stderr)
        XCTAssertEqual(cli.run(["port", "none"]).stdout, "", "busybox exposes nothing")
    }

    func testHostileSpecsAreOneLineAndExit125() {
        let cases: [(String, String)] = [
            ("0:80", "host port '0' is not a port in 1-65535"),
            ("65536:80", "host port '65536' is not a port in 1-65535"),
            ("80:99999999999999999999", "container port '99999999999999999999' is not a port in 1-65535"),
            ("90-80:90-80", "host port range 90-80 ends before it starts"),
            ("8000-8002:80-81", "host range 8000-8002 and container range 80-81 differ in length"),
            ("1-60000:1-60000", "a range of 60000 ports: one container publishes at most 16"),
            ("1.2.3:80:80", "bad address '1.2.3': expected IPv4"),
            ("80/sctp", "unknown protocol 'sctp': tcp or udp"),
            ("1:2:3:4", "expected [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp]"),
        ]
        for (spec, why) in cases {
            let r = cli.run(["run", "-d", "-p", spec, "busybox", "true"])
            XCTAssertEqual(r.status, 125, spec)
            XCTAssertEqual(r.stderr, "berth: invalid port '\(spec)': \(why)\n", spec)
        }
        let escaped = cli.run(["create", "-p", "\u{1b}[2J:80", "busybox", "true"])
        XCTAssertEqual(escaped.status, 125)
        XCTAssertFalse(escaped.stderr.contains("\u{1b}"), "control characters are escaped: \(escaped.stderr)")
        XCTAssertEqual(escaped.stderr.split(separator: "\n").count, 1, escaped.stderr)
        let exposeSCTP = cli.run(["create", "-P", "--expose", "53/sctp", "busybox", "true"])
        XCTAssertEqual(exposeSCTP.status, 125, exposeSCTP.stderr)
        XCTAssertEqual(cli.run(["ps", "-a", "-q"]).stdout, "", "nothing was created by a refused spec")
    }
}
