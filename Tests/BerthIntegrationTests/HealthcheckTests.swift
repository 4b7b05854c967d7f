import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Healthchecks against real containers: the supervisor's probes (the exec path), their schedule,
/// timeout and start period, what `ps`, `inspect` and `events` show, the image's healthcheck and
/// `--no-healthcheck`, hostile probe output, a killed supervisor, and compose's `depends_on`
/// conditions (docs/architecture.md, Healthchecks).
final class HealthcheckTests: ContainerTestCase {
    override class var rootLabel: String { "health" }

    private func health(_ name: String) -> [String: Any]? {
        let out = cli.run(["inspect", "-f", "{{json .State.Health}}", name]).stdout
        return (try? JSONSerialization.jsonObject(with: Data(out.utf8))) as? [String: Any]
    }

    private func healthStatus(_ name: String) -> String {
        cli.run(["inspect", "-f", "{{.State.Health.Status}}", name]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func log(_ name: String) -> [[String: Any]] { health(name)?["Log"] as? [[String: Any]] ?? [] }

    /// Host processes whose command line is exactly `args` (a probe's command, unique per test).
    private func processes(_ args: [String]) -> [pid_t] {
        let wanted = args.joined(separator: "\0") + "\0"
        return FileIO_entries("/proc").compactMap { name in
            guard let pid = pid_t(name), let cmd = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else { return nil }
            return String(decoding: cmd, as: UTF8.self) == wanted ? pid : nil
        }
    }

    private func FileIO_entries(_ path: String) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }

    /// Unhealthy after `retries` failures in a row, healthy after one success, each change one
    /// `health_status` event (as docker's), shown in ps, `--filter health=`, inspect.
    func testUnhealthyThenHealthyWithEventsPsAndInspect() throws {
        let r = cli.run(["run", "-d", "--network", "none", "--name", "hc", "--health-cmd", "echo probing; test -e /ok",
                         "--health-interval", "200ms", "--health-retries", "2", "busybox", "sleep", "600"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(cli.eventually(timeout: 20) { healthStatus("hc") == "unhealthy" }, "unhealthy after two failures")
        let h = try XCTUnwrap(health("hc"))
        XCTAssertGreaterThanOrEqual(h["FailingStreak"] as? Int ?? 0, 2)
        let entry = try XCTUnwrap(log("hc").last)
        XCTAssertEqual(entry["ExitCode"] as? Int, 1)
        XCTAssertEqual(entry["Output"] as? String, "probing\n")
        XCTAssertTrue(cli.run(["ps"]).stdout.contains("(unhealthy)"))
        XCTAssertEqual(cli.run(["ps", "--filter", "health=unhealthy", "--format", "{{.Names}}"]).stdout, "hc\n")
        XCTAssertEqual(cli.run(["ps", "--filter", "health=healthy", "-q"]).stdout, "")

        XCTAssertEqual(cli.run(["exec", "hc", "touch", "/ok"]).status, 0)
        XCTAssertTrue(cli.eventually(timeout: 20) { healthStatus("hc") == "healthy" })
        XCTAssertEqual(health("hc")?["FailingStreak"] as? Int, 0)
        XCTAssertTrue(cli.run(["ps"]).stdout.contains("(healthy)"))
        XCTAssertEqual(cli.run(["ps", "--filter", "health=healthy", "--format", "{{.Names}}"]).stdout, "hc\n")
        // docker keeps the last five results.
        XCTAssertTrue(cli.eventually(timeout: 20) { log("hc").count == 5 })
        XCTAssertLessThanOrEqual(log("hc").count, 5)
        let config = cli.run(["inspect", "-f", "{{json .Config.Healthcheck.Test}} {{.Config.Healthcheck.Interval}} {{.Config.Healthcheck.Retries}}", "hc"])
        XCTAssertEqual(config.stdout, "[\"CMD-SHELL\",\"echo probing; test -e /ok\"] 200000000 2\n")

        let events = cli.run(["events", "--since", "5m", "--until", "0s", "--filter", "container=hc", "--filter", "event=health_status", "--format", "{{.Action}}"])
        let actions = events.stdout.split(separator: "\n").filter { $0.hasPrefix("health_status") }
        XCTAssertEqual(actions, ["health_status: unhealthy", "health_status: healthy"], events.stdout + events.stderr)
        let bad = cli.run(["ps", "--filter", "health=sick"])
        XCTAssertEqual(bad.status, 125)
    }

    /// A probe that hangs is killed at its timeout (the command in the container too) and counts
    /// as a failure with docker's message and exit code -1.
    func testHangingProbeIsKilledAtItsTimeout() throws {
        let probe = ["sleep", "7731"]
        let r = cli.run(["run", "-d", "--network", "none", "--name", "hang", "--health-cmd", probe.joined(separator: " "),
                         "--health-interval", "100ms", "--health-timeout", "300ms", "--health-retries", "1", "busybox", "sleep", "600"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(cli.eventually(timeout: 30) { log("hang").count >= 3 }, "three probes ran")
        XCTAssertEqual(healthStatus("hang"), "unhealthy")
        for entry in log("hang") {
            XCTAssertEqual(entry["ExitCode"] as? Int, -1)
            XCTAssertEqual(entry["Output"] as? String, "Health check exceeded timeout (300ms)")
        }
        // Three probes timed out; only the one running now may exist.
        XCTAssertLessThanOrEqual(processes(probe).count, 1, "timed-out probes are killed")
    }

    /// Failures inside the start period do not count while the container was never healthy, and
    /// probes come at the start interval meanwhile.
    func testStartPeriodFailuresDoNotCount() throws {
        let r = cli.run(["run", "-d", "--network", "none", "--name", "warm", "--health-cmd", "false",
                         "--health-start-period", "10m", "--health-start-interval", "100ms", "--health-interval", "10m",
                         "--health-retries", "1", "busybox", "sleep", "600"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(cli.eventually(timeout: 20) { log("warm").count >= 3 }, "probes at the start interval")
        XCTAssertEqual(healthStatus("warm"), "starting")
        XCTAssertEqual(health("warm")?["FailingStreak"] as? Int, 0)
        XCTAssertTrue(cli.run(["ps"]).stdout.contains("(health: starting)"))
        XCTAssertEqual(cli.run(["ps", "--filter", "health=starting", "--format", "{{.Names}}"]).stdout, "warm\n")
    }

    /// The image's Healthcheck runs unless `--no-healthcheck`; the user's flags override its fields.
    func testImageHealthcheckAndNoHealthcheck() throws {
        try Prerequisite.requireTool("python3")
        let dir = try scratchDirectory(self, "health-image")
        try HandMadeImages.make(["format": "oci", "out": dir + "/hc", "images": [[
            "config": ["Env": ["PATH=/bin"], "Cmd": ["sleep", "600"],
                       "Healthcheck": ["Test": ["CMD", "echo", "from-image"], "Interval": 100_000_000, "Retries": 1]],
            "layers": [["busybox": true]]]]])
        let cli = self.cli
        addTeardownBlock { cli.run(["image", "rm", "-f", "hc:img"]); cli.run(["image", "prune"]) }
        XCTAssertEqual(cli.run(["image", "import", dir + "/hc", "--name", "hc:img"], timeout: 120).status, 0)

        XCTAssertEqual(cli.run(["run", "-d", "--network", "none", "--name", "img", "hc:img"]).status, 0)
        XCTAssertTrue(cli.eventually(timeout: 20) { healthStatus("img") == "healthy" })
        XCTAssertEqual(log("img").last?["Output"] as? String, "from-image\n")

        XCTAssertEqual(cli.run(["run", "-d", "--network", "none", "--name", "over", "--health-cmd", "echo mine", "hc:img"]).status, 0)
        XCTAssertTrue(cli.eventually(timeout: 20) { log("over").last?["Output"] as? String == "mine\n" })
        XCTAssertEqual(cli.run(["inspect", "-f", "{{.Config.Healthcheck.Interval}}", "over"]).stdout, "100000000\n",
                       "fields not given come from the image")

        XCTAssertEqual(cli.run(["run", "-d", "--network", "none", "--name", "off", "--no-healthcheck", "hc:img"]).status, 0)
        let id = cli.run(["inspect", "-f", "{{.Id}}", "off"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(cli.run(["inspect", "-f", "{{json .State.Health}} {{json .Config.Healthcheck}}", "off"]).stdout, "null null\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.root + "/containers/\(id)/health"))
        XCTAssertFalse(cli.run(["ps", "--filter", "name=off"]).stdout.contains("health"))
        XCTAssertEqual(cli.run(["ps", "--filter", "health=none", "--format", "{{.Names}}"]).stdout, "off\n")
    }

    /// Flag errors: one `berth:` line and 125, nothing created.
    func testInvalidHealthFlagsAreRefused() {
        for (args, message) in [
            (["--no-healthcheck", "--health-cmd", "true"], "berth: --no-healthcheck conflicts with --health-* options\n"),
            (["--health-cmd", "true", "--health-interval", "10us"], "berth: Interval in Healthcheck cannot be less than 1ms\n"),
            (["--health-cmd", "true", "--health-retries", "-1"], "berth: Retries in Healthcheck cannot be negative\n"),
            (["--health-cmd", "true", "--health-timeout", "soon"],
             "berth: invalid --health-timeout 'soon': expected a duration such as 30s, 1m or 500ms\n"),
        ] {
            let r = cli.run(["run", "-d", "--network", "none"] + args + ["busybox", "true"])
            XCTAssertEqual(r.status, 125, "\(args)")
            XCTAssertEqual(r.stderr, message)
        }
        XCTAssertEqual(cli.run(["ps", "-a", "-q"]).stdout, "")
    }

    /// Probe output is the container's: control characters never reach a terminal raw through
    /// `ps` or `inspect`, and only the first 4096 bytes are kept.
    func testHostileProbeOutputIsEscapedAndCapped() throws {
        let script = #"printf '\033[2J\033]0;owned\007'; head -c 100000 /dev/zero | tr '\0' x; exit 1"#
        XCTAssertEqual(cli.run(["run", "-d", "--network", "none", "--name", "loud", "--health-cmd", script,
                                "--health-interval", "100ms", "busybox", "sleep", "600"]).status, 0)
        XCTAssertTrue(cli.eventually(timeout: 20) { !log("loud").isEmpty })
        let output = try XCTUnwrap(log("loud").first?["Output"] as? String)
        XCTAssertEqual(output.utf8.count, 4096)
        XCTAssertTrue(output.hasPrefix("\u{1b}[2J\u{1b}]0;owned\u{07}xxx"))
        let inspect = cli.run(["inspect", "loud"])
        XCTAssertEqual(inspect.status, 0)
        XCTAssertFalse(inspect.stdout.contains("\u{1b}"), "inspect's JSON escapes control characters")
        XCTAssertTrue(inspect.stdout.contains("\\u001b[2J"))
        XCTAssertFalse(cli.run(["ps"]).stdout.contains("\u{1b}"))
        // The health file stays small whatever the probes print: five results of at most 4096 bytes.
        let id = cli.run(["inspect", "-f", "{{.Id}}", "loud"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(cli.eventually(timeout: 20) { log("loud").count == 5 })
        let size = (try? FileManager.default.attributesOfItem(atPath: cli.root + "/containers/\(id)/health")[.size] as? Int) ?? 0
        XCTAssertLessThan(size, 5 * (2 * 4096 + 80) + 100)
    }

    /// A supervisor killed with SIGKILL takes its running probe with it: the probe process and the
    /// command it started in the container.
    func testKilledSupervisorLeavesNoProbe() throws {
        let probe = ["sleep", "7793"]
        XCTAssertEqual(cli.run(["run", "-d", "--network", "none", "--name", "orphan", "--health-cmd", probe.joined(separator: " "),
                                "--health-interval", "100ms", "--health-timeout", "10m", "busybox", "sleep", "600"]).status, 0)
        XCTAssertTrue(cli.eventually(timeout: 20) { processes(probe).count == 1 }, "a probe is running")
        let shim = try XCTUnwrap(Int32(cli.run(["inspect", "-f", "{{.Berth.ShimPid}}", "orphan"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertEqual(kill(shim, SIGKILL), 0)
        XCTAssertTrue(cli.eventually(timeout: 20) { processes(probe).isEmpty }, "the probe died with its supervisor")
        XCTAssertTrue(cli.eventually(timeout: 20) { processes(["berth-health"]).isEmpty })
    }

    // MARK: compose

    /// `berth up -d -f FILE` with the file in a scratch directory; services removed after the test.
    private func up(_ yaml: String, _ extra: [String] = []) throws -> BerthCLI.Result {
        let dir = try scratchDirectory(self, "health-compose-\(name.filter { $0.isLetter })")
        try yaml.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let cli = self.cli
        addTeardownBlock {
            let services = cli.run(["service", "ls", "-q"]).stdout.split(separator: "\n").map(String.init)
            if !services.isEmpty { cli.run(["service", "rm", "-t", "1"] + services) }
        }
        return cli.run(["up", "-d", "-f", dir + "/compose.yaml"] + extra, timeout: 120)
    }

    /// When `action` happened to the container `name`, from the journal (nanoseconds).
    private func eventTime(_ name: String, _ action: String) -> Int64? {
        let r = cli.run(["events", "--since", "5m", "--until", "0s", "--filter", "container=\(name)",
                         "--filter", "event=\(action)", "--format", "{{.timeNano}}"])
        return r.stdout.split(separator: "\n").first.flatMap { Int64($0) }
    }

    /// `service_healthy` holds the dependent back until the dependency is healthy;
    /// `service_completed_successfully` until the job exited 0.
    func testComposeWaitsForHealthyAndCompletedDependencies() throws {
        let r = try up("""
            services:
              db:
                image: busybox
                network_mode: none
                command: ["sh", "-c", "sleep 1; touch /ready; exec sleep 600"]
                healthcheck:
                  test: ["CMD", "test", "-e", "/ready"]
                  interval: 100ms
                  start_period: 5m
                  start_interval: 100ms
              migrate:
                image: busybox
                network_mode: none
                restart: "no"
                command: ["sh", "-c", "sleep 1; exit 0"]
              web:
                image: busybox
                network_mode: none
                command: ["sleep", "600"]
                depends_on:
                  db:
                    condition: service_healthy
                  migrate:
                    condition: service_completed_successfully
            """)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(healthStatus("db-1"), "healthy")
        let healthy = try XCTUnwrap(eventTime("db-1", "health_status: healthy"))
        let done = try XCTUnwrap(eventTime("migrate-1", "die"))
        let web = try XCTUnwrap(eventTime("web-1", "start"))
        XCTAssertLessThan(healthy, web, "web starts after db is healthy")
        XCTAssertLessThan(done, web, "web starts after migrate completed")
    }

    /// A failed job, a dependency without a healthcheck, an unhealthy one, a timeout: one line
    /// naming both services; the dependent is not created.
    func testComposeDependencyFailuresNameTheService() throws {
        /// A dependency `dep` (its extra keys given) and a dependent `app` waiting on `condition`.
        func pair(_ dep: String, _ extra: String, _ app: String, _ condition: String, _ args: [String] = []) throws -> BerthCLI.Result {
            try up("""
                services:
                  \(dep):
                    image: busybox
                    network_mode: none
                \(extra)
                  \(app):
                    image: busybox
                    network_mode: none
                    command: ["sleep", "600"]
                    depends_on: {\(dep): {condition: \(condition)}}
                """, args)
        }
        let failed = try pair("job", "    restart: \"no\"\n    command: [\"sh\", \"-c\", \"exit 3\"]", "app", "service_completed_successfully")
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertTrue(failed.stderr.hasSuffix("berth: service job did not complete successfully: job-1 exited with code 3 (needed by app's depends_on condition service_completed_successfully)\n"), failed.stderr)
        XCTAssertEqual(cli.run(["ps", "-a", "--filter", "name=app", "-q"]).stdout, "")

        let none = try pair("plain", "    command: [\"sleep\", \"600\"]", "app2", "service_healthy")
        XCTAssertEqual(none.status, 125)
        XCTAssertTrue(none.stderr.hasSuffix("berth: service plain has no healthcheck (needed by app2's depends_on condition service_healthy)\n"), none.stderr)

        let slow = try pair("never", "    command: [\"sleep\", \"600\"]\n    healthcheck: {test: \"false\", start_period: 10m, start_interval: 100ms}",
                            "app3", "service_healthy", ["--dependency-timeout", "1"])
        XCTAssertNotEqual(slow.status, 0)
        XCTAssertTrue(slow.stderr.hasSuffix("berth: timed out after 1s waiting for service never to be healthy (needed by app3's depends_on condition service_healthy)\n"), slow.stderr)

        let sick = try pair("sick", "    command: [\"sleep\", \"600\"]\n    healthcheck: {test: [\"CMD-SHELL\", \"exit 1\"], interval: 100ms, retries: 1}",
                            "app4", "service_healthy")
        XCTAssertNotEqual(sick.status, 0)
        XCTAssertTrue(sick.stderr.hasSuffix("berth: dependency failed to start: sick-1 is unhealthy (needed by app4's depends_on condition service_healthy)\n"), sick.stderr)
    }

    /// `restart: true`: when `up` recreates the dependency, a dependent left as it was restarts;
    /// one without it keeps running.
    func testComposeRestartTrueRestartsTheDependent() throws {
        func file(_ dbCommand: String) -> String {
            """
            services:
              db:
                image: busybox
                network_mode: none
                stop_grace_period: 1s
                command: ["sh", "-c", "\(dbCommand)"]
              app:
                image: busybox
                network_mode: none
                stop_grace_period: 1s
                command: ["sleep", "600"]
                depends_on: {db: {condition: service_started, restart: true}}
              other:
                image: busybox
                network_mode: none
                stop_grace_period: 1s
                command: ["sleep", "600"]
                depends_on: [db]
            """
        }
        let first = try up(file("exec sleep 600"))
        XCTAssertEqual(first.status, 0, first.stderr)
        let appStart = cli.run(["inspect", "-f", "{{.State.StartedAt}}", "app-1"]).stdout
        let otherStart = cli.run(["inspect", "-f", "{{.State.StartedAt}}", "other-1"]).stdout
        let second = try up(file("exec sleep 601"))
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("db: 1 -> 1"), second.stdout)
        XCTAssertNotEqual(cli.run(["inspect", "-f", "{{.State.StartedAt}}", "app-1"]).stdout, appStart, "app restarted with db")
        XCTAssertEqual(cli.run(["inspect", "-f", "{{.State.StartedAt}}", "other-1"]).stdout, otherStart, "other was left alone")
        XCTAssertNotNil(eventTime("app-1", "restart"))
    }

    /// A dependency cycle, an unknown condition and a bad healthcheck key are refused before
    /// anything is created, with 125.
    func testComposeRefusesCyclesAndBadKeys() throws {
        for (yaml, message) in [
            ("services:\n  a:\n    image: busybox\n    depends_on: {b: {condition: service_started}}\n  b:\n    image: busybox\n    depends_on: [a]\n",
             "services.a.depends_on: dependency cycle: a -> b -> a"),
            ("services:\n  a:\n    image: busybox\n    depends_on: {b: {condition: service_ready}}\n  b:\n    image: busybox\n",
             "services.a.depends_on.b.condition: expected service_started, service_healthy, service_completed_successfully, not 'service_ready'"),
            ("services:\n  a:\n    image: busybox\n    healthcheck: {test: [\"CMD\", \"true\"], interval: 10us}\n",
             "services.a.healthcheck: Interval in Healthcheck cannot be less than 1ms"),
            ("services:\n  a:\n    image: busybox\n    healthcheck: {tets: true}\n",
             "services.a.healthcheck.tets: unknown healthcheck key (expected test, interval, timeout, start_period, start_interval, retries or disable)"),
        ] {
            let r = try up(yaml)
            XCTAssertEqual(r.status, 125, yaml)
            XCTAssertTrue(r.stderr.hasSuffix(message + "\n"), r.stderr)
        }
        XCTAssertEqual(cli.run(["ps", "-a", "-q"]).stdout, "")
    }
}
