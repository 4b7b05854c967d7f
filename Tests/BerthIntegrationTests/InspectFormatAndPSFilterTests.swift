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

    /// Plain `inspect` and `container inspect`: a JSON array of docker's documents
    /// (`ContainerInspectResponse`), each key where docker has it, Berth's own under `Berth`.
    func testInspectPrintsDockersShape() throws {
        let host = FileManager.default.temporaryDirectory.path  // a bind source that exists; only read
        let r = cli.run(["run", "-d", "--name", "shaped", "-v", host + ":/from-host:ro", "-v", "shapedvol:/data",
                         "--tmpfs", "/scratch", "--cap-add", "NET_ADMIN", "--cap-drop", "CHOWN", "--read-only",
                         "--stop-signal", "USR1", "--add-host", "db:10.1.2.3", "-w", "/data", "-l", "k=v",
                         "busybox", "sleep", "600"])
        XCTAssertEqual(r.status, 0, r.stderr)
        addTeardownBlock { [cli] in cli.run(["rm", "-f", "shaped"]); cli.run(["volume", "rm", "shapedvol"]) }
        let plain = cli.run(["inspect", "shaped"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(plain.stdout.hasPrefix("[\n    {\n"), "indented as docker's: \(plain.stdout.prefix(40))")
        let list = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(list.count, 1)
        let c = list[0]
        let id = try XCTUnwrap(c["Id"] as? String)
        XCTAssertEqual(id.count, 64)
        XCTAssertEqual(c["Name"] as? String, "/shaped")
        XCTAssertEqual(c["Path"] as? String, "sleep")
        XCTAssertEqual(c["Args"] as? [String], ["600"])
        XCTAssertTrue((c["Image"] as? String)?.hasPrefix("sha256:") == true)
        XCTAssertEqual(c["RestartCount"] as? Int, 0)
        XCTAssertEqual(c["Platform"] as? String, "linux")
        for key in ["Created", "ResolvConfPath", "HostnamePath", "HostsPath", "LogPath", "Driver", "MountLabel"] {
            XCTAssertNotNil(c[key] as? String, key)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: try XCTUnwrap(c["LogPath"] as? String)))
        XCTAssertEqual(dig(c, "State", "Status") as? String, "running")
        XCTAssertEqual(dig(c, "State", "Running") as? Bool, true)
        let pid = try XCTUnwrap(dig(c, "State", "Pid") as? Int)
        XCTAssertEqual(try String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8), "sleep\n", "State.Pid is the init")
        for key in ["Paused", "Restarting", "OOMKilled", "Dead"] { XCTAssertEqual(dig(c, "State", key) as? Bool, false, key) }
        XCTAssertEqual(dig(c, "State", "FinishedAt") as? String, "0001-01-01T00:00:00Z", "docker's zero time")
        XCTAssertNil(dig(c, "State", "Health"), "no healthcheck: no Health, as docker")

        XCTAssertEqual(dig(c, "Config", "Cmd") as? [String], ["sleep", "600"])
        XCTAssertEqual(dig(c, "Config", "Image") as? String, "busybox:latest")
        XCTAssertEqual(dig(c, "Config", "WorkingDir") as? String, "/data")
        XCTAssertEqual(dig(c, "Config", "StopSignal") as? String, "SIGUSR1")
        XCTAssertEqual(dig(c, "Config", "Labels") as? [String: String], ["k": "v"])
        XCTAssertEqual(dig(c, "Config", "Tty") as? Bool, false)

        let hc = try XCTUnwrap(c["HostConfig"] as? [String: Any])
        XCTAssertEqual(hc["ReadonlyRootfs"] as? Bool, true)
        XCTAssertEqual(hc["Privileged"] as? Bool, false)
        XCTAssertEqual(hc["CapAdd"] as? [String], ["CAP_NET_ADMIN"])
        XCTAssertEqual(hc["CapDrop"] as? [String], ["CAP_CHOWN"])
        XCTAssertEqual((hc["Tmpfs"] as? [String: String])?.keys.sorted(), ["/scratch"])
        XCTAssertEqual(hc["ExtraHosts"] as? [String], ["db:10.1.2.3"])
        XCTAssertEqual(Set(hc["Binds"] as? [String] ?? []), [host + ":/from-host:ro", "shapedvol:/data"])
        XCTAssertEqual(hc["NetworkMode"] as? String, "bridge")

        let mounts = try XCTUnwrap(c["Mounts"] as? [[String: Any]])
        let bind = try XCTUnwrap(mounts.first { $0["Destination"] as? String == "/from-host" })
        XCTAssertEqual(bind["Type"] as? String, "bind")
        XCTAssertEqual(bind["Source"] as? String, host)
        XCTAssertEqual(bind["RW"] as? Bool, false)
        let volume = try XCTUnwrap(mounts.first { $0["Destination"] as? String == "/data" })
        XCTAssertEqual(volume["Type"] as? String, "volume")
        XCTAssertEqual(volume["Name"] as? String, "shapedvol")
        XCTAssertEqual(volume["RW"] as? Bool, true)
        XCTAssertFalse(mounts.contains { ["/etc/hosts", "/etc/hostname", "/etc/resolv.conf"].contains($0["Destination"] as? String ?? "") },
                       "Berth's own /etc files are left out, as docker does")

        let bridge = try XCTUnwrap(dig(c, "NetworkSettings", "Networks", "bridge") as? [String: Any])
        let ip = try XCTUnwrap(bridge["IPAddress"] as? String)
        XCTAssertEqual(dig(c, "NetworkSettings", "IPAddress") as? String, ip)
        XCTAssertEqual(bridge["IPPrefixLen"] as? Int, 24)
        XCTAssertFalse((bridge["Gateway"] as? String ?? "").isEmpty)
        XCTAssertTrue(cli.run(["exec", "shaped", "ip", "-4", "-o", "addr", "show", "eth0"]).stdout.contains("inet \(ip)/24"))

        let berth = try XCTUnwrap(c["Berth"] as? [String: Any])
        XCTAssertNotNil(berth["ShimPid"] as? Int)
        XCTAssertEqual(berth["Interfaces"] as? [String: String], ["bridge": "eth0"])
        for lower in ["id", "state", "limits", "config", "labels", "networks"] { XCTAssertNil(c[lower], "no Berth key \(lower) at the top") }

        // `container inspect` is the same verb, and several containers make one array.
        XCTAssertEqual(cli.run(["container", "inspect", "shaped"]).stdout, cli.run(["inspect", "shaped"]).stdout)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "other", "--network", "none", "busybox", "sleep", "600"]).status, 0)
        let two = try XCTUnwrap(try cli.json(["container", "inspect", "shaped", "other"]) as? [[String: Any]])
        XCTAssertEqual(two.map { $0["Name"] as? String }, ["/shaped", "/other"])
        XCTAssertEqual((dig(two[1], "NetworkSettings", "Networks") as? [String: Any])?.keys.sorted(), ["none"])
        XCTAssertEqual(cli.run(["container", "inspect", "-f", "{{.Config.StopSignal}} {{.HostConfig.ReadonlyRootfs}}", "shaped"]).stdout,
                       "SIGUSR1 true\n")
        XCTAssertEqual(cli.run(["inspect", "-f", "{{range .Mounts}}{{.Type}} {{end}}", "shaped"]).stdout.split(separator: " ").sorted(),
                       ["bind", "volume", "\n"].sorted())

        // Hostile: an unknown container is one line and 1 (docker's), an impossible name 125, a
        // template error one line and 125 before any container is read, control characters escaped.
        let missing = cli.run(["inspect", "shaped", "nosuch"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
        let evil = cli.run(["inspect", "bad\u{1b}[2Jname"])
        XCTAssertNotEqual(evil.status, 0)
        XCTAssertFalse(evil.stderr.contains("\u{1b}"), evil.stderr)
        XCTAssertEqual(evil.stderr.split(separator: "\n").count, 1, evil.stderr)
        let badTemplate = cli.run(["container", "inspect", "-f", "{{.State.Pid", "nosuch"])
        XCTAssertEqual(badTemplate.status, 125)
        XCTAssertTrue(badTemplate.stderr.hasPrefix("berth: template"), badTemplate.stderr)
        XCTAssertEqual(badTemplate.stderr.split(separator: "\n").count, 1)
        XCTAssertEqual(cli.run(["inspect", "-f", "{{.Config.Labels.nokey}}", "shaped"]).stdout, "<no value>\n")
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
