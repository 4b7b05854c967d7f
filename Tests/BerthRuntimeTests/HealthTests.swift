import Foundation
import XCTest
@testable import BerthOS
@testable import BerthRuntime

/// Healthchecks without containers: docker's merge, defaults and rules (`HealthConfig`), the
/// supervisor's record (`HealthState`), ps's note and filter, and the compose keys.
final class HealthTests: XCTestCase {
    func testMergeOverTheImageAsDocker() throws {
        let image = HealthConfig(test: ["CMD", "check"], interval: 5_000_000_000, timeout: 2_000_000_000, retries: 4)
        XCTAssertEqual(HealthConfig.merged(nil, over: image), image)
        XCTAssertNil(HealthConfig.merged(nil, over: nil))
        let own = HealthConfig(interval: 1_000_000_000)
        let m = try XCTUnwrap(HealthConfig.merged(own, over: image))
        XCTAssertEqual(m.test, ["CMD", "check"], "no test of its own: the image's")
        XCTAssertEqual(m.interval, 1_000_000_000)
        XCTAssertEqual(m.timeout, 2_000_000_000)
        XCTAssertEqual(m.retries, 4)
        XCTAssertNil(HealthConfig.merged(.disabled, over: image)?.probeArguments, "--no-healthcheck wins")
    }

    func testProbeArgumentsAndDefaults() {
        XCTAssertEqual(HealthConfig(test: ["CMD", "a", "b c"]).probeArguments, ["a", "b c"])
        XCTAssertEqual(HealthConfig(test: ["CMD-SHELL", "a && b"]).probeArguments, ["/bin/sh", "-c", "a && b"])
        XCTAssertNil(HealthConfig(test: ["NONE"]).probeArguments)
        XCTAssertNil(HealthConfig().probeArguments)
        let h = HealthConfig(test: ["CMD", "x"])
        XCTAssertEqual([h.effectiveInterval, h.effectiveTimeout, h.effectiveStartInterval], [30_000_000_000, 30_000_000_000, 5_000_000_000])
        XCTAssertEqual(h.effectiveRetries, 3)
    }

    func testDockerJSONKeys() throws {
        let json = #"{"Test":["CMD-SHELL","true"],"Interval":1000000000,"Retries":2}"#
        let h = try JSONDecoder().decode(HealthConfig.self, from: Data(json.utf8))
        XCTAssertEqual(h, HealthConfig(test: ["CMD-SHELL", "true"], interval: 1_000_000_000, retries: 2))
        let back = try JSONSerialization.jsonObject(with: JSONEncoder().encode(h)) as? [String: Any]
        XCTAssertEqual(back?["Test"] as? [String], ["CMD-SHELL", "true"])
        XCTAssertEqual(back?["StartInterval"] as? Int, 0)
    }

    func testRulesAndMessages() {
        func message(_ h: HealthConfig) -> String? {
            do { try HealthConfig.check(h); return nil } catch { return error.description }
        }
        XCTAssertNil(message(HealthConfig(test: ["CMD", "true"], interval: 1_000_000)))
        XCTAssertEqual(message(HealthConfig(test: ["CMD", "true"], interval: 999_999)), "Interval in Healthcheck cannot be less than 1ms")
        XCTAssertEqual(message(HealthConfig(test: ["CMD", "true"], timeout: 10)), "Timeout in Healthcheck cannot be less than 1ms")
        XCTAssertEqual(message(HealthConfig(test: ["CMD", "true"], retries: -1)), "Retries in Healthcheck cannot be negative")
        XCTAssertEqual(message(HealthConfig(test: ["RUN", "true"])), "invalid healthcheck test 'RUN': expected NONE, CMD or CMD-SHELL first")
        XCTAssertEqual(message(HealthConfig(test: ["CMD"])), "the healthcheck test CMD has no command")
        XCTAssertEqual(message(HealthConfig(test: ["CMD", "a\u{0}b"])), "the healthcheck command contains a NUL byte")
        XCTAssertNotNil(message(HealthConfig(test: ["CMD", "x"], startPeriod: HealthConfig.maximumDuration + 1)))
        XCTAssertEqual(try HealthConfig.duration("1m30s", flag: "--health-interval"), 90_000_000_000)
        XCTAssertThrowsError(try HealthConfig.duration("-1s", flag: "--health-interval"))
        XCTAssertThrowsError(try HealthConfig.duration("5", flag: "--health-interval"))
    }

    /// The supervisor's file: hex output decoded, invalid text refused, at most five results.
    func testHealthStateParsesTheSupervisorsRecord() throws {
        let text = "status=unhealthy\nfailing_streak=3\n"
            + (1...7).map { "log=\($0)000000000 \($0)500000000 1 \(Hex.lowercase(Array("run \($0)\n\u{1b}[2J".utf8)))\n" }.joined()
            + "log=garbage\n"
        let s = try XCTUnwrap(HealthState.parse(text))
        XCTAssertEqual(s.status, "unhealthy")
        XCTAssertEqual(s.failingStreak, 3)
        XCTAssertEqual(s.log.count, 5)
        XCTAssertEqual(s.log.first?.output, "run 3\n\u{1b}[2J")
        XCTAssertEqual(s.log.last?.start, Date(timeIntervalSince1970: 7))
        XCTAssertEqual(s.log.last?.end, Date(timeIntervalSince1970: 7.5))
        XCTAssertNil(HealthState.parse("status=bogus\n"))
        XCTAssertNil(HealthState.parse("failing_streak=1\n"))
        XCTAssertEqual(HealthState.parse("status=starting\nlog=1 2 -1 zz\n")?.log.first?.output, "", "bad hex is no output")
        XCTAssertEqual(Hex.decode("00ff7F"), [0, 255, 127])
        XCTAssertNil(Hex.decode("abc"))
        XCTAssertNil(Hex.decode("zz"))
    }

    func testHealthStateReadsOnlyTheStatusForListings() throws {
        let dir = NSTemporaryDirectory() + "berth-health-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "status=healthy\nfailing_streak=0\n".write(toFile: dir + "/health", atomically: true, encoding: .utf8)
        XCTAssertEqual(HealthState.readStatus(dir + "/health"), "healthy")
        try "status=sick\n".write(toFile: dir + "/health", atomically: true, encoding: .utf8)
        XCTAssertNil(HealthState.readStatus(dir + "/health"))
        XCTAssertNil(HealthState.readStatus(dir + "/missing"))
        // A symlink planted in place of the file is not followed.
        try FileManager.default.removeItem(atPath: dir + "/health")
        try FileManager.default.createSymbolicLink(atPath: dir + "/health", withDestinationPath: "/etc/hostname")
        XCTAssertNil(HealthState.readStatus(dir + "/health"))
    }

    func testPsStatusAndFilter() throws {
        let start = Date(timeIntervalSince1970: 1000)
        var state = ContainerState(status: .running, startedAt: start)
        let now = start.addingTimeInterval(180)
        state.health = "healthy"
        XCTAssertEqual(StatusText.describe(state, now: now), "Up 3 minutes (healthy)")
        state.health = "unhealthy"
        XCTAssertEqual(StatusText.describe(state, now: now), "Up 3 minutes (unhealthy)")
        state.health = "starting"
        XCTAssertEqual(StatusText.describe(state, now: now), "Up 3 minutes (health: starting)")
        state.paused = true
        XCTAssertEqual(StatusText.describe(state, now: now), "Up 3 minutes (Paused)")

        var info = ContainerInfo(id: "a", name: "a", image: "i", command: [], created: start, state: state, hostname: "a")
        info.state.paused = false
        XCTAssertTrue(try ContainerListFilter(["health=starting"]).matches(info))
        XCTAssertFalse(try ContainerListFilter(["health=healthy"]).matches(info))
        info.state.health = nil
        XCTAssertTrue(try ContainerListFilter(["health=none"]).matches(info))
        XCTAssertThrowsError(try ContainerListFilter(["health=ok"]))
    }

    func testEventFilterMatchesHealthStatusAsDocker() throws {
        let e = try XCTUnwrap(Event.parse(Array(#"{"time":1,"type":"container","action":"health_status: healthy","id":"abc","name":"x","attributes":{}}"#.utf8)))
        XCTAssertTrue(try EventFilter(["event=health_status"]).matches(e))
        XCTAssertTrue(try EventFilter(["event=health_status: healthy"]).matches(e))
        XCTAssertFalse(try EventFilter(["event=health"]).matches(e))
    }

    // MARK: compose

    private func parse(_ yaml: String) throws -> ComposeProject {
        try ComposeParser.parse(yaml, options: ComposeParser.Options(defaultProjectName: "p", environment: [:]))
    }

    func testComposeHealthcheckKeys() throws {
        let p = try parse("""
            services:
              a:
                image: busybox
                healthcheck:
                  test: curl -f http://localhost
                  interval: 1m30s
                  timeout: 10s
                  retries: 5
                  start_period: 40s
                  start_interval: 2s
              b:
                image: busybox
                healthcheck: {test: ["CMD", "true"]}
              c:
                image: busybox
                healthcheck: {disable: true}
              d:
                image: busybox
                healthcheck: {test: ["NONE"]}
            """)
        let by = Dictionary(uniqueKeysWithValues: p.services.map { ($0.name, $0.template.options.healthcheck) })
        XCTAssertEqual(by["a"], HealthConfig(test: ["CMD-SHELL", "curl -f http://localhost"], interval: 90_000_000_000,
                                             timeout: 10_000_000_000, startPeriod: 40_000_000_000,
                                             startInterval: 2_000_000_000, retries: 5))
        XCTAssertEqual(by["b"], HealthConfig(test: ["CMD", "true"]))
        XCTAssertEqual(by["c"], .disabled)
        XCTAssertEqual(by["d"], .disabled)
    }

    func testComposeDependsOnConditions() throws {
        let p = try parse("""
            services:
              db: {image: busybox}
              job: {image: busybox}
              cache: {image: busybox}
              web:
                image: busybox
                depends_on:
                  db: {condition: service_healthy, restart: true}
                  job: {condition: service_completed_successfully, required: true}
                  cache: {condition: service_started}
            """)
        XCTAssertEqual(p.services.last?.name, "web")
        let web = try XCTUnwrap(p.services.last)
        XCTAssertEqual(Set(web.dependsOn), ["db", "job", "cache"])
        XCTAssertEqual(web.dependencies?["db"], ServiceDependency(condition: .healthy, restart: true))
        XCTAssertEqual(web.dependencies?["job"], ServiceDependency(condition: .completedSuccessfully))
        XCTAssertNil(web.dependencies?["cache"], "service_started is the default")
        XCTAssertTrue(p.warnings.isEmpty, "\(p.warnings)")
        // Stored service files without the key still decode.
        var plain = web
        plain.dependencies = nil
        let json = try JSONEncoder().encode(plain)
        XCTAssertNil(try JSONDecoder().decode(ServiceSpec.self, from: json).dependencies)

        for (yaml, message) in [
            ("services:\n  a: {image: busybox, depends_on: {b: {condition: ready}}}\n  b: {image: busybox}\n",
             "services.a.depends_on.b.condition: expected service_started, service_healthy, service_completed_successfully, not 'ready'"),
            ("services:\n  a: {image: busybox, depends_on: {b: {required: false}}}\n  b: {image: busybox}\n",
             "services.a.depends_on.b.required: optional dependencies (required: false) are not supported"),
            ("services:\n  a: {image: busybox, depends_on: {b: {when: now}}}\n  b: {image: busybox}\n",
             "services.a.depends_on.b.when: unknown depends_on key (expected condition, restart or required)"),
            ("services:\n  a: {image: busybox, healthcheck: {test: [\"CMD\"]}}\n",
             "services.a.healthcheck: the healthcheck test CMD has no command"),
            ("services:\n  a: {image: busybox, healthcheck: {interval: soon}}\n",
             "services.a.healthcheck.interval: expected a duration such as 30s, 1m30s or 500ms, not 'soon'"),
        ] {
            XCTAssertThrowsError(try parse(yaml)) { XCTAssertEqual(($0 as? BerthError)?.description, message) }
        }
    }
}
