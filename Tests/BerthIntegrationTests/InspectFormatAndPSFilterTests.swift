import Foundation
import XCTest
import BerthTestSupport

/// `inspect --format` over docker's keys and `ps --filter/--format/--no-trunc/-n/-l`.
final class InspectFormatAndPSFilterTests: ContainerTestCase {
    override class var rootLabel: String { "format" }

    func testInspectFormat() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "web", "--label", "tier=front", "-e", "A=1", "-m", "64m",
                                "--restart", "on-failure:3", "-p", "127.0.0.1:18581:80", "busybox", "sleep", "600"]).status, 0)
        let id = try XCTUnwrap((try? cli.inspect("web"))?["Id"] as? String)
        func f(_ t: String, _ name: String = "web") -> String { cli.run(["inspect", "--format", t, name]).stdout }
        XCTAssertEqual(f("{{.Id}}"), id + "\n")
        XCTAssertEqual(f("{{.Name}} {{.State.Status}} {{.State.Running}} {{.State.Paused}}"), "/web running true false\n")
        XCTAssertEqual(f("{{.Config.Image}} {{json .Config.Cmd}} {{index .Config.Labels \"tier\"}}"), "busybox:latest [\"sleep\",\"600\"] front\n")
        XCTAssertEqual(f("{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}"), "67108864 on-failure:3\n")
        let ip = try XCTUnwrap(((try? cli.inspect("web"))?["NetworkSettings"] as? [String: Any])?["IPAddress"] as? String)
        XCTAssertEqual(f("{{.NetworkSettings.IPAddress}}"), ip + "\n")
        XCTAssertEqual(f("{{range $p, $b := .NetworkSettings.Ports}}{{end}}").isEmpty, true, "variables are refused, not half-run")
        XCTAssertEqual(f("{{range .NetworkSettings.Ports}}{{range .}}{{.HostIp}}:{{.HostPort}}{{end}}{{end}}"), "127.0.0.1:18581\n")
        XCTAssertTrue(f("{{range .Config.Env}}{{.}};{{end}}").contains("A=1;"))
        let pid = f("{{.State.Pid}}").trimmingCharacters(in: .newlines)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "/proc/\(pid)"), pid)
        let config = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(f("{{json .Config}}").utf8)) as? [String: Any])
        XCTAssertEqual(config["Hostname"] as? String, "web")
        let whole = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(f("json").utf8)) as? [String: Any])
        XCTAssertNotNil(whole["Berth"])

        XCTAssertEqual(cli.run(["pause", "web"]).status, 0)
        XCTAssertEqual(f("{{.State.Status}} {{.State.Paused}}"), "paused true\n")
        XCTAssertEqual(cli.run(["unpause", "web"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "three", "busybox", "sh", "-c", "exit 3"]).status, 0)
        XCTAssertEqual(cli.run(["wait", "three"]).stdout, "3\n")
        XCTAssertEqual(f("{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}", "three"), "exited 3 false\n")
        XCTAssertEqual(cli.run(["inspect", "-f", "{{.Name}}", "web", "three"]).stdout, "/web\n/three\n")

        for bad in ["{{.State", "{{nosuch}}", "{{range .Id}}{{end}}"] {
            let r = cli.run(["inspect", "--format", bad, "web"])
            XCTAssertEqual(r.status, 125, bad)
            XCTAssertTrue(r.stderr.hasPrefix("berth: template"), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1)
        }
        XCTAssertEqual(cli.run(["inspect", "--format", "{{.Id}}", "nosuch"]).status, 1)
    }

    func testPSFilterAndFormat() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "api-1", "--label", "tier=back", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "web-1", "--label", "tier=front", "--network", "none", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "done", "busybox", "true"]).status, 0)
        XCTAssertEqual(cli.run(["wait", "done"]).stdout, "0\n")
        XCTAssertEqual(cli.run(["pause", "web-1"]).status, 0)
        func names(_ args: [String]) -> [String] {
            let r = cli.run(["ps"] + args + ["--format", "{{.Names}}"])
            XCTAssertEqual(r.status, 0, r.stderr)
            return r.stdout.split(separator: "\n").map(String.init).sorted()
        }
        XCTAssertEqual(names([]), ["api-1", "web-1"])
        XCTAssertEqual(names(["-a"]), ["api-1", "done", "web-1"])
        XCTAssertEqual(names(["--filter", "label=tier=front"]), ["web-1"])
        XCTAssertEqual(names(["--filter", "label=tier"]), ["api-1", "web-1"])
        XCTAssertEqual(names(["--filter", "name=api"]), ["api-1"])
        XCTAssertEqual(names(["--filter", "status=exited"]), ["done"], "a stopped status needs no -a")
        XCTAssertEqual(names(["--filter", "status=paused"]), ["web-1"])
        XCTAssertEqual(names(["--filter", "status=running", "--filter", "status=paused"]), ["api-1", "web-1"])
        XCTAssertEqual(names(["--filter", "network=none"]), ["web-1"])
        XCTAssertEqual(names(["-a", "--filter", "ancestor=busybox"]), ["api-1", "done", "web-1"])
        XCTAssertEqual(names(["-a", "--filter", "ancestor=alpine"]), [])
        XCTAssertEqual(names(["-l"]), ["done"], "the latest created, whatever its state")
        XCTAssertEqual(names(["-n", "2"]), ["done", "web-1"])

        let table = cli.run(["ps", "--format", "table {{.Names}}\t{{.State}}\t{{.Label.tier}}"]).stdout
        let lines = table.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        XCTAssertEqual(lines.first.map { Array($0.prefix(2)) }, ["NAMES", "STATE"])
        XCTAssertTrue(lines.contains(["web-1", "paused", "front"]), table)
        let json = cli.run(["ps", "--format", "json", "--filter", "name=api"]).stdout
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(obj["Names"] as? String, "api-1")
        XCTAssertEqual(obj["State"] as? String, "running")

        let full = cli.run(["ps", "-q", "--no-trunc", "--filter", "name=api"]).stdout.trimmingCharacters(in: .newlines)
        XCTAssertEqual(full.count, 64)
        XCTAssertEqual(cli.run(["ps", "--no-trunc", "--format", "{{.ID}}", "--filter", "id=\(full.prefix(6))"]).stdout, full + "\n")

        for bad in [["--filter", "colour=red"], ["--filter", "status=sleeping"], ["--format", "{{.Names"], ["-n", "-1"]] {
            let r = cli.run(["ps"] + bad)
            XCTAssertEqual(r.status, 125, "\(bad): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1)
        }
    }
}
