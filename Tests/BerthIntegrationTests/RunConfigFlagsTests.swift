import BerthOS
import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The `run` flags about a container's environment, names and files (--env-file, -e VAR,
/// HOSTNAME, -w, --add-host, --dns*, --hostname with --network host, --cidfile, --label-file,
/// --platform, --stop-signal, --stop-timeout), checked inside the container; every refusal is one
/// line and exit status 125, and a hostile value never becomes a line of a file.
final class RunConfigFlagsTests: ContainerTestCase {
    override class var rootLabel: String { "cfgflags" }

    func assertRefused(_ args: [String], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        let r = cli.run(args)
        XCTAssertEqual(r.status, 125, r.stdout + r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr, "berth: \(message)\n", file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
    }

    func runOutput(_ args: [String], file: StaticString = #filePath, line: UInt = #line) -> String {
        let r = cli.run(["run", "--rm", "--network", "none"] + args)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return r.stdout
    }

    func testEnvFileAndBareNamesTakeTheCallersValue() throws {
        let dir = try scratchDirectory(self, "cfg-env")
        try "# a comment\nA=1\n\nFROM_CALLER\nUNSET_IN_CALLER\nB=x y = z\nA=2\n".write(toFile: dir + "/env", atomically: true, encoding: .utf8)
        setenv("FROM_CALLER", "caller-value", 1)
        setenv("E_CALLER", "e-value", 1)
        unsetenv("UNSET_IN_CALLER")
        defer { unsetenv("FROM_CALLER"); unsetenv("E_CALLER") }
        let env = runOutput(["--env-file", dir + "/env", "-e", "E_CALLER", "-e", "NOT_SET_ANYWHERE", "-e", "B=from-e",
                             "--hostname", "envhost", "busybox", "env"])
        let lines = Set(env.split(separator: "\n").map(String.init))
        XCTAssertTrue(lines.isSuperset(of: ["A=2", "FROM_CALLER=caller-value", "E_CALLER=e-value", "B=from-e", "HOSTNAME=envhost"]), env)
        XCTAssertFalse(env.contains("UNSET_IN_CALLER") || env.contains("NOT_SET_ANYWHERE"), "unset names are left out: \(env)")
        XCTAssertTrue(runOutput(["-e", "HOSTNAME=mine", "busybox", "env"]).contains("HOSTNAME=mine\n"), "a given HOSTNAME wins")
        // exec -e NAME takes the caller's value too.
        XCTAssertEqual(cli.run(["run", "-d", "--name", "envexec", "--network", "none", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["exec", "-e", "E_CALLER", "-e", "NOT_SET_ANYWHERE", "envexec", "sh", "-c", "echo $E_CALLER ${NOT_SET_ANYWHERE-unset}"]).stdout,
                       "e-value unset\n")
        XCTAssertEqual(cli.run(["rm", "-f", "envexec"]).status, 0)

        try "GOOD=1\nBAD NAME=2\n".write(toFile: dir + "/bad", atomically: true, encoding: .utf8)
        assertRefused(["run", "--rm", "--env-file", dir + "/bad", "busybox", "true"],
                      "--env-file \(dir)/bad, line 2: variable 'BAD NAME' contains whitespace")
        assertRefused(["run", "--rm", "--env-file", dir + "/missing", "busybox", "true"],
                      "open --env-file \(dir)/missing: No such file or directory")
        assertRefused(["run", "--rm", "-e", "=x", "busybox", "true"], "invalid environment variable '=x': the name is empty")
    }

    func testWorkdirMustBeAbsolute() {
        XCTAssertEqual(runOutput(["-w", "/made/here", "busybox", "pwd"]), "/made/here\n")
        assertRefused(["run", "--rm", "-w", "relative", "busybox", "true"],
                      "the working directory 'relative' is invalid: it needs to be an absolute path")
        assertRefused(["create", "-w", "relative", "busybox", "true"],
                      "the working directory 'relative' is invalid: it needs to be an absolute path")
    }

    func testAddHostAndDNSWriteTheContainersFiles() {
        let files = runOutput(["--add-host", "db.local:10.1.2.3", "--add-host", "v6:[fd00::1]",
                               "--dns", "192.0.2.53", "--dns", "2001:db8::53", "--dns-search", "example.com",
                               "--dns-option", "ndots:2", "busybox", "sh", "-c", "cat /etc/hosts; echo ---; cat /etc/resolv.conf"])
        let parts = files.components(separatedBy: "---\n")
        XCTAssertEqual(parts.count, 2, files)
        XCTAssertTrue(parts[0].contains("10.1.2.3\tdb.local\n") && parts[0].contains("fd00::1\tv6\n"), parts[0])
        let resolv = parts.last ?? ""
        // `--network none`: no DNS server of its own, so the --dns servers are its resolvers (on a
        // network they are where its DNS server forwards: EmbeddedDNSForwardTests).
        XCTAssertEqual(resolv.split(separator: "\n").filter { $0.hasPrefix("nameserver") }, ["nameserver 192.0.2.53", "nameserver 2001:db8::53"])
        XCTAssertEqual(resolv.split(separator: "\n").filter { $0.hasPrefix("search") }, ["search example.com"])
        XCTAssertEqual(resolv.split(separator: "\n").filter { $0.hasPrefix("options") }, ["options ndots:2"])

        // On the bridge the extra line stays while containers come and go (they resolve by DNS).
        XCTAssertEqual(cli.run(["run", "-d", "--name", "hosted", "--add-host", "db.local:10.1.2.3", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "neighbour", "busybox", "sleep", "600"]).status, 0)
        let hosts = cli.run(["exec", "hosted", "cat", "/etc/hosts"]).stdout
        XCTAssertTrue(hosts.contains("10.1.2.3\tdb.local\n"), hosts)
        XCTAssertEqual(cli.lookup("hosted", "neighbour").count, 1)
        XCTAssertEqual(cli.run(["rm", "-f", "hosted", "neighbour"]).status, 0)

        // Hostile values never become lines.
        assertRefused(["run", "--rm", "--add-host", "evil:1.2.3.4\n6.6.6.6 bank", "busybox", "true"],
                      "invalid IP address '1.2.3.4\\n6.6.6.6 bank' for --add-host evil")
        assertRefused(["run", "--rm", "--add-host", "a b:1.2.3.4", "busybox", "true"], "invalid host name 'a b' for --add-host")
        assertRefused(["run", "--rm", "--add-host", "nocolon", "busybox", "true"], "invalid --add-host 'nocolon': expected NAME:IP")
        assertRefused(["run", "--rm", "--dns", "8.8.8.8\nnameserver 6.6.6.6", "busybox", "true"],
                      "invalid DNS server '8.8.8.8\\nnameserver 6.6.6.6': expected an IP address")
        assertRefused(["run", "--rm", "--dns-search", "a.com\nnameserver", "busybox", "true"],
                      "invalid DNS search domain 'a.com\\nnameserver'")
        assertRefused(["run", "--rm", "--dns-option", "ndots:1 rotate", "busybox", "true"],
                      "invalid DNS option 'ndots:1 rotate': expected a resolv.conf option such as ndots:2")
        assertRefused(["run", "--rm", "--network", "host", "--dns", "1.1.1.1", "busybox", "true"],
                      "conflicting options: --dns, --dns-search and --dns-option cannot be used with --network host")
    }

    /// docker: on the host's network a container has the host's name unless --hostname gives one.
    func testHostnameWithHostNetwork() {
        var buf = [UInt8](repeating: 0, count: 256)
        gethostname(&buf, 255)
        let host = String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "host", "busybox", "hostname"]).stdout, host + "\n")
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "host", "--hostname", "own-name", "busybox", "hostname"]).stdout, "own-name\n")
        XCTAssertEqual(HostState.hostname(), host, "the host keeps its name")
    }

    func testCIDFileAndLabelFile() throws {
        let dir = try scratchDirectory(self, "cfg-cid")
        try "team=core\n# skipped\nempty\n".write(toFile: dir + "/labels", atomically: true, encoding: .utf8)
        let made = cli.run(["create", "--name", "withcid", "--cidfile", dir + "/cid", "--label-file", dir + "/labels", "-l", "extra=1", "busybox", "true"])
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertEqual(try String(contentsOfFile: dir + "/cid", encoding: .utf8), made.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let record = try cli.inspect("withcid")
        XCTAssertEqual(dig(record, "Config", "Labels") as? [String: String], ["team": "core", "empty": "", "extra": "1"])
        // docker refuses an existing file, and nothing is created.
        assertRefused(["run", "--rm", "--name", "cidrefused", "--cidfile", dir + "/cid", "busybox", "true"],
                      "the container ID file '\(dir)/cid' exists: make sure the other container isn't running or delete it")
        XCTAssertFalse(cli.run(["ps", "-a"]).stdout.contains("cidrefused"))
        XCTAssertEqual(cli.run(["rm", "withcid"]).status, 0)
    }

    func testPlatformOtherThanAmd64IsRefused() {
        XCTAssertEqual(runOutput(["--platform", "linux/amd64", "busybox", "echo", "ok"]), "ok\n")
        assertRefused(["run", "--rm", "--platform", "linux/arm64", "busybox", "true"],
                      "platform 'linux/arm64' is not supported: Berth runs linux/amd64 containers only")
    }

    func testStopSignalAndStopTimeout() throws {
        // The trap proves the signal: the shell exits 3 on USR1 only.
        XCTAssertEqual(cli.run(["run", "-d", "--name", "usr1", "--network", "none", "--stop-signal", "SIGUSR1", "busybox",
                                "sh", "-c", "trap 'exit 3' USR1; while true; do sleep 0.1; done"]).status, 0)
        XCTAssertEqual(cli.run(["stop", "usr1"]).status, 0)
        XCTAssertEqual(try cli.state("usr1")["ExitCode"] as? Int, 3)
        // sleep ignores nothing but dies of SIGTERM; a shell trapping TERM outlives it until the
        // timeout's SIGKILL: --stop-timeout 1 ends it after one second, not ten.
        XCTAssertEqual(cli.run(["run", "-d", "--name", "stubborn", "--network", "none", "--stop-timeout", "1", "busybox",
                                "sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"]).status, 0)
        XCTAssertEqual(cli.run(["stop", "stubborn"]).status, 0)
        XCTAssertEqual(try cli.state("stubborn")["ExitCode"] as? Int, 137, "killed after the grace period")
        // The grace period the stop gave the supervisor (its stop marker): the container's, not 10.
        let id = try XCTUnwrap((try? cli.inspect("stubborn"))?["Id"] as? String)
        XCTAssertEqual(try String(contentsOfFile: "\(cli.root)/containers/\(id)/stop", encoding: .utf8), "1\n")
        XCTAssertEqual(cli.run(["restart", "-t", "0", "stubborn"]).status, 0)
        XCTAssertEqual(cli.run(["stop", "-t", "2", "stubborn"]).status, 0)
        XCTAssertEqual(try String(contentsOfFile: "\(cli.root)/containers/\(id)/stop", encoding: .utf8), "2\n", "-t wins")
        XCTAssertEqual(cli.run(["rm", "usr1", "stubborn"]).status, 0)
        assertRefused(["run", "--rm", "--stop-signal", "SIGNOPE", "busybox", "true"],
                      "invalid signal 'SIGNOPE': expected a name such as TERM or KILL, or a number 1-64")
        assertRefused(["run", "--rm", "--stop-timeout", "-5", "busybox", "true"],
                      "invalid --stop-timeout -5: expected a number of seconds, 0 or more")
    }

    /// `--domainname`: the container's UTS namespace has it (the host's is unchanged); inspect
    /// shows it; a bad one is refused in one line.
    func testDomainnameIsTheContainersOwn() throws {
        let hostDomain = try String(contentsOfFile: "/proc/sys/kernel/domainname", encoding: .utf8)
        XCTAssertEqual(runOutput(["--hostname", "web", "--domainname", "corp.example", "busybox", "sh", "-c",
                                  "cat /proc/sys/kernel/domainname; hostname"]), "corp.example\nweb\n")
        XCTAssertEqual(try String(contentsOfFile: "/proc/sys/kernel/domainname", encoding: .utf8), hostDomain)
        XCTAssertEqual(cli.run(["create", "--name", "dn", "--domainname", "d.example", "busybox", "true"]).status, 0)
        XCTAssertEqual(dig(try cli.inspect("dn"), "Config", "Domainname") as? String, "d.example")
        XCTAssertEqual(cli.run(["rm", "dn"]).status, 0)
        assertRefused(["run", "--rm", "--domainname", "bad domain\n", "busybox", "true"],
                      "invalid --domainname 'bad domain\\n': expected a domain name ([a-zA-Z0-9.-], at most 64 characters)")
    }

    /// `--oom-score-adj`: every process of the container (the command, what it starts, an exec)
    /// has it; shown by inspect; out of range refused in one line. A negative value needs
    /// CAP_SYS_RESOURCE, which some hosts (this sandbox) withhold even from root: there the start
    /// fails in one line with the kernel's reason, as it does for docker.
    func testOOMScoreAdjReachesEveryProcess() throws {
        XCTAssertEqual(runOutput(["--oom-score-adj", "500", "busybox", "sh", "-c", "cat /proc/self/oom_score_adj; cat /proc/1/oom_score_adj"]),
                       "500\n500\n")
        let negative = cli.run(["run", "--rm", "--network", "none", "--oom-score-adj", "-500", "busybox", "cat", "/proc/1/oom_score_adj"])
        if Self.hasCapability(24) { // CAP_SYS_RESOURCE
            XCTAssertEqual(negative.stdout, "-500\n", negative.stderr)
        } else {
            XCTAssertEqual(negative.status, 125)
            XCTAssertEqual(negative.stderr, "berth: failed to start the container: write process.oomScoreAdj to /proc/self/oom_score_adj (a negative value needs CAP_SYS_RESOURCE): Permission denied\n")
        }
        XCTAssertEqual(cli.run(["run", "-d", "--name", "ooms", "--network", "none", "--oom-score-adj", "700", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["exec", "ooms", "cat", "/proc/1/oom_score_adj"]).stdout, "700\n")
        XCTAssertEqual(dig(try cli.inspect("ooms"), "HostConfig", "OomScoreAdj") as? Int, 700)
        XCTAssertEqual(dig(try cli.inspect("ooms"), "HostConfig", "Memory") as? Int, 0, "nothing else changed")
        XCTAssertEqual(cli.run(["rm", "-f", "ooms"]).status, 0)
        assertRefused(["run", "--rm", "--oom-score-adj", "1001", "busybox", "true"],
                      "invalid --oom-score-adj 1001: expected a number from -1000 to 1000")
        assertRefused(["run", "--rm", "--oom-score-adj", "-1001", "busybox", "true"],
                      "invalid --oom-score-adj -1001: expected a number from -1000 to 1000")
    }

    /// Whether this process's effective set holds capability `bit` (/proc/self/status CapEff).
    static func hasCapability(_ bit: Int) -> Bool {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
              let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
        return mask & (1 << UInt64(bit)) != 0
    }
}
