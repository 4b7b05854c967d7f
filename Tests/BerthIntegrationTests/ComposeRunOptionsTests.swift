import Foundation
import XCTest
import BerthTestSupport

/// The compose keys for the run options (cap_add, cap_drop, ulimits, sysctls, extra_hosts, dns,
/// dns_search, dns_opt, init, stop_signal, oom_score_adj, group_add, hostname, user, working_dir) reach the
/// replicas as the `run` flags do: checked inside a running replica.
extension ComposeUpTests {
    func testRunOptionKeysReachTheReplicas() throws {
        let dir = try project("opts", ["compose.yaml": """
            services:
              tuned:
                image: busybox
                network_mode: none
                command: sleep 600
                hostname: tuned-host
                domainname: tuned.example
                user: "1000:1000"
                working_dir: /work/here
                group_add: ["1234"]
                cap_add: [NET_ADMIN]
                cap_drop: [ALL]
                init: true
                stop_signal: SIGUSR1
                oom_score_adj: 300
                ulimits:
                  nofile: {soft: 100, hard: 200}
                  nproc: 50
                sysctls:
                  net.ipv4.ip_forward: 1
                extra_hosts: ["db.local:10.1.2.3"]
                dns: 192.0.2.53
                dns_search: [example.com]
                dns_opt: ["ndots:2"]
                env_file: vars.env
                environment: {OVERRIDDEN: from-environment}

            """, "vars.env": "# comment\nFROM_FILE=1\nOVERRIDDEN=from-file\n"])
        let up = berth(in: dir, ["up", "-d"])
        XCTAssertEqual(up.status, 0, up.stderr)
        defer { _ = berth(in: dir, ["down", "-t", "1"]) }
        let r = cli.run(["exec", "tuned-1", "sh", "-c", """
            grep -E '^(CapBnd|Groups):' /proc/self/status; grep -E '^Max (open files|processes)' /proc/1/limits | tr -s ' '; cat /proc/sys/net/ipv4/ip_forward
            cat /proc/1/oom_score_adj; cat /proc/sys/kernel/domainname; hostname; pwd; id -u; grep db.local /etc/hosts; cat /etc/resolv.conf; tr '\\0' '\\n' < /proc/1/cmdline; env
            """])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("CapBnd:\t0000000000001000"), "cap_drop ALL + cap_add NET_ADMIN (12): \(r.stdout)")
        // The init's limits, which its children inherit (an exec'd process does not: it joins from outside).
        XCTAssertTrue(lines.contains { $0.hasPrefix("Groups:") && $0.contains("1234") }, r.stdout)
        // network_mode: none has no DNS server of its own: dns: goes to resolv.conf as it is.
        for expected in ["Max open files 100 200 files ", "Max processes 50 50 processes ", "1", "300", "tuned.example", "tuned-host", "/work/here", "1000", "10.1.2.3\tdb.local",
                         "nameserver 192.0.2.53", "search example.com", "options ndots:2", "berth-init",
                         "FROM_FILE=1", "OVERRIDDEN=from-environment"] {
            XCTAssertTrue(lines.contains(expected), "\(expected) in \(r.stdout)")
        }
    }

    func testRunOptionKeysAreCheckedWithTheRunFlagsRules() throws {
        for (yaml, message) in [
            ("    sysctls: {kernel.hostname: x}\n", "services.bad: sysctl kernel.hostname is not allowed in a container: only namespaced ones (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.*) are"),
            ("    privileged: maybe\n", "services.bad.privileged: expected true or false"),
            ("    oom_score_adj: 1001\n", "services.bad: invalid --oom-score-adj 1001: expected a number from -1000 to 1000"),
            ("    security_opt: [\"seccomp=/x.json\"]\n", "services.bad.security_opt: --security-opt seccomp: cannot read the profile '/x.json': No such file or directory"),
            ("    extra_hosts: [\"evil:1.2.3.4\\n5.6.7.8 bank\"]\n", "services.bad: invalid IP address '1.2.3.4\\n5.6.7.8 bank' for --add-host evil"),
        ] {
            let dir = try project("bad\(yaml.count)", ["compose.yaml": "services:\n  bad:\n    image: busybox\n" + yaml])
            let up = berth(in: dir, ["up", "-d"])
            XCTAssertEqual(up.status, 125, up.stderr)
            XCTAssertEqual(up.stderr, "berth: compose.yaml: \(message)\n")
        }
        let missing = try project("missingenv", ["compose.yaml": "services:\n  bad:\n    image: busybox\n    env_file: [nope.env]\n"])
        let up = berth(in: missing, ["up", "-d"])
        XCTAssertEqual(up.status, 125, up.stderr)
        XCTAssertEqual(up.stderr, "berth: compose.yaml: services.bad.env_file: open env_file \(missing)/nope.env: No such file or directory\n")
        XCTAssertEqual(cli.run(["ps", "-a", "-q"]).stdout, "", "nothing created")
    }
}
