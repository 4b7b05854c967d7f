import XCTest
@testable import BerthOS
@testable import BerthRuntime

/// The compose subset against real compose file text, valid and invalid.
final class ComposeParserTests: XCTestCase {
    private func parse(_ yaml: String, project: String? = nil, env: [String: String] = [:]) throws -> ComposeProject {
        try ComposeParser.parse(yaml, options: ComposeParser.Options(projectName: project, defaultProjectName: "myapp", environment: env))
    }

    /// The error message of parsing `yaml`, or a failure when it parses.
    private func error(_ yaml: String, env: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try parse(yaml, env: env)
            XCTFail("expected an error", file: file, line: line)
            return ""
        } catch let e as BerthError {
            XCTAssertEqual(e.exitCode, 125, file: file, line: line)
            return e.description
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return ""
        }
    }

    func testAFullServiceMapsOntoTheTemplate() throws {
        let p = try parse("""
            services:
              web:
                image: busybox:latest
                command: ["httpd", "-f", "-p", "80"]
                entrypoint: /bin/sh -c
                environment:
                  MODE: production
                  WORKERS: 4
                  DEBUG: false
                working_dir: /srv
                user: "1000:1000"
                hostname: frontend
                deploy:
                  replicas: 3
                  resources:
                    limits:
                      memory: 64m
                      cpus: "0.5"
                      pids: 50
                restart: on-failure:3
                ports:
                  - "8080:80"
                  - 127.0.0.1:9090:90/tcp
                labels:
                  tier: front
                stop_grace_period: 1m30s
                network_mode: bridge
            """)
        XCTAssertEqual(p.name, "myapp")
        XCTAssertEqual(p.warnings, [])
        let web = try XCTUnwrap(p.services.first)
        XCTAssertEqual(web.name, "web")
        XCTAssertEqual(web.project, "myapp")
        XCTAssertEqual(web.replicas, 3)
        XCTAssertEqual(web.ports, ["8080:80", "127.0.0.1:9090:90/tcp"])
        XCTAssertEqual(try web.publishedPorts().map(\.description), ["0.0.0.0:8080->80/tcp", "127.0.0.1:9090->90/tcp"], "every address by default, as docker compose")
        XCTAssertEqual(web.stopTimeout, 90)
        let t = web.template
        XCTAssertEqual(t.image, "busybox:latest")
        XCTAssertEqual(t.command, ["httpd", "-f", "-p", "80"])
        XCTAssertEqual(t.entrypoint, ["/bin/sh", "-c"])
        XCTAssertEqual(t.env, ["MODE=production", "WORKERS=4", "DEBUG=false"])
        XCTAssertEqual(t.workingDir, "/srv")
        XCTAssertEqual(t.user, "1000:1000")
        XCTAssertEqual(t.hostname, "frontend")
        XCTAssertEqual(t.limits, ResourceLimits(memory: 64 << 20, cpus: 0.5, pidsLimit: 50))
        XCTAssertEqual(t.restartPolicy, .onFailure(maxRetries: 3))
        XCTAssertEqual(t.labels, ["tier": "front"])
        XCTAssertEqual(t.network, .bridge)
    }

    func testDefaults() throws {
        let p = try parse("services:\n  app:\n    image: busybox\n")
        let app = try XCTUnwrap(p.services.first)
        XCTAssertEqual(app.replicas, 1)
        XCTAssertEqual(app.template.restartPolicy, ServiceSpec.defaultRestartPolicy)
        XCTAssertEqual(app.template.network, ServiceSpec.defaultNetwork)
        XCTAssertEqual(app.template.command, [])
        XCTAssertNil(app.template.entrypoint)
        XCTAssertEqual(app.stopTimeout, ServiceSpec.defaultStopTimeout)
        XCTAssertTrue(app.template.limits.isEmpty)
    }

    func testLegacyKeysMemLimitCpusAndScale() throws {
        let p = try parse("""
            services:
              worker:
                image: busybox
                mem_limit: 1g
                cpus: 1.5
                scale: 4
                restart: "no"
            """)
        let w = p.services[0]
        XCTAssertEqual(w.template.limits.memory, 1 << 30)
        XCTAssertEqual(w.template.limits.cpus, 1.5)
        XCTAssertEqual(w.replicas, 4)
        XCTAssertEqual(w.template.restartPolicy, RestartPolicy.no)
    }

    func testUnquotedNoIsTheRestartPolicyNotABoolean() throws {
        let p = try parse("services:\n  a:\n    image: busybox\n    restart: no\n")
        XCTAssertEqual(p.services[0].template.restartPolicy, RestartPolicy.no)
    }

    func testCommandStringsAreSplitLikeAShellWithoutRunningOne() throws {
        let p = try parse("""
            services:
              a:
                image: busybox
                command: sh -c 'echo "hello world"; exit 3' "two words" back\\ slash
            """)
        XCTAssertEqual(p.services[0].template.command, ["sh", "-c", "echo \"hello world\"; exit 3", "two words", "back slash"])
    }

    func testEnvironmentAsAListAndFromTheCallersEnvironment() throws {
        let p = try parse("""
            services:
              a:
                image: busybox
                environment:
                  - A=1
                  - B=x=y
                  - FROM_HOST
                  - NOT_SET
              b:
                image: busybox
                environment:
                  FROM_HOST:
                  EMPTY: ""
            """, env: ["FROM_HOST": "h"])
        XCTAssertEqual(p.services[0].template.env, ["A=1", "B=x=y", "FROM_HOST=h"])
        XCTAssertEqual(p.services[1].template.env, ["FROM_HOST=h", "EMPTY="])
    }

    func testDependsOnListOrMapGivesStartOrder() throws {
        let p = try parse("""
            services:
              frontend:
                image: busybox
                depends_on: [api]
              api:
                image: busybox
                depends_on:
                  db:
                    condition: service_started
                  cache:
                    condition: service_healthy
              cache:
                image: busybox
              db:
                image: busybox
            """)
        XCTAssertEqual(p.services.map(\.name), ["cache", "db", "api", "frontend"])
        XCTAssertEqual(p.services[2].dependsOn, ["db", "cache"])
        XCTAssertEqual(p.warnings, [], "every condition is supported")
        XCTAssertEqual(p.services[2].dependencies?["cache"]?.condition, .healthy)
    }

    func testUnknownKeysWarnWithTheirPath() throws {
        let p = try parse("""
            version: "3.8"
            x-common: &common
              image: busybox
            services:
              web:
                <<: *common
                platform: linux/amd64
                networks: [front]
                x-note: ignored silently
                deploy:
                  mode: replicated
                  resources:
                    reservations:
                      cpus: 0.5
            networks:
              front: {}
            """)
        XCTAssertEqual(p.services[0].template.image, "busybox")
        XCTAssertEqual(p.warnings, [
            "version: obsolete, ignored",
            "services.web.platform: not supported, ignored",
            "services.web.deploy.mode: not supported, ignored",
            "services.web.deploy.resources.reservations.cpus: not supported, ignored",
        ])
    }

    func testBuildSectionsNameTheirImageAndResolveTheirContext() throws {
        let p = try ComposeParser.parse("""
            services:
              app:
                build: ./src
              api:
                image: team/api:2
                build:
                  context: /srv/api
                  dockerfile: other.Dockerfile
                  args: {MODE: prod}
                  target: runtime
                  network: none
            """, options: { var o = ComposeParser.Options(projectName: "Shop"); o.baseDirectory = "/compose"; return o }())
        XCTAssertEqual(p.services.first { $0.name == "app" }?.template.image, "shop-app")
        XCTAssertEqual(p.builds.map(\.service), ["api", "app"])
        let api = p.builds[0], app = p.builds[1]
        XCTAssertEqual(app.context, "/compose/./src")
        XCTAssertEqual(app.image.description, "shop-app:latest")
        XCTAssertEqual(api.image.description, "team/api:2")
        XCTAssertEqual(api.dockerfile, "/srv/api/other.Dockerfile")
        XCTAssertEqual(api.args, ["MODE": "prod"])
        XCTAssertEqual(api.target, "runtime")
        XCTAssertEqual(api.network, .none)
    }

    func testProjectNameFromFlagThenFileThenDirectory() throws {
        let yaml = "name: FromFile\nservices:\n  a:\n    image: busybox\n"
        XCTAssertEqual(try parse(yaml).name, "fromfile")
        XCTAssertEqual(try parse(yaml, project: "Cli_Name").name, "cli_name")
        XCTAssertEqual(try parse("services:\n  a:\n    image: busybox\n").name, "myapp")
        XCTAssertEqual(ComposeParser.defaultProjectName(forFile: "/srv/My Shop/compose.yaml"), "My Shop")
        XCTAssertEqual(try ComposeParser.normalizeProjectName("My Shop"), "myshop")
        XCTAssertThrowsError(try ComposeParser.normalizeProjectName("_x"))
        // Explicit names are checked as given, not normalised into something valid.
        XCTAssertThrowsError(try parse(yaml, project: "../x"))
        XCTAssertThrowsError(try parse("name: ../../x\nservices:\n  a:\n    image: busybox\n"))
    }

    func testInterpolation() throws {
        let p = try parse("""
            services:
              a:
                image: busybox:${TAG:-latest}
                command: ["echo", "$$HOME", "${USER}", "$NAME", "${EMPTY:-dflt}", "${EMPTY-kept}", "${USER:+set}", "cost: 5$"]
            """, env: ["USER": "ann", "NAME": "n", "EMPTY": ""])
        XCTAssertEqual(p.services[0].template.image, "busybox:latest")
        XCTAssertEqual(p.services[0].template.command, ["echo", "$HOME", "ann", "n", "dflt", "", "set", "cost: 5$"])
        let unset = try parse("services:\n  a:\n    image: busybox\n    command: echo $MISSING\n")
        XCTAssertEqual(unset.services[0].template.command, ["echo"])
        XCTAssertEqual(unset.warnings, ["services.a.command: variable MISSING is not set, using an empty string"])
    }

    // MARK: Errors name the key path

    func testInvalidValuesNameTheKeyPath() {
        let cases: [(String, String)] = [
            ("services:\n  web:\n    image: busybox\n    deploy:\n      replicas: three\n",
             "services.web.deploy.replicas: expected an integer"),
            ("services:\n  web:\n    image: busybox\n    deploy:\n      replicas: -1\n",
             "services.web.deploy.replicas: must be 0 or more"),
            ("services:\n  web:\n    image: busybox\n    mem_limit: lots\n",
             "services.web.mem_limit: invalid memory value 'lots': expected a number with an optional unit b, k, m or g"),
            ("services:\n  web:\n    image: busybox\n    deploy:\n      resources:\n        limits:\n          cpus: fast\n",
             "services.web.deploy.resources.limits.cpus: expected a number of CPUs such as 0.5 or 2, not 'fast'"),
            ("services:\n  web:\n    image: busybox\n    restart: sometimes\n",
             "services.web.restart: expected no, always, unless-stopped or on-failure[:N], not 'sometimes'"),
            ("services:\n  web:\n    image: busybox\n    ports: 80\n", "services.web.ports: expected a list"),
            ("services:\n  web:\n    image: busybox\n    ports:\n      - target: 80\n",
             "services.web.ports[0]: expected a string such as \"8080:80\" (the long syntax is not supported)"),
            ("services:\n  web:\n    image: busybox\n    ports:\n      - 99999\n",
             "services.web.ports[0]: invalid port '99999': container port '99999' is not a port in 1-65535"),
            ("services:\n  web:\n    image: busybox\n    network_mode: host\n    ports: [\"80:80\"]\n",
             "services.web.ports: publishing ports needs the bridge network, not network_mode host"),
            ("services:\n  web:\n    command: echo\n",
             "services.web.image: missing (every service needs an image or a build)"),
            ("services:\n  web:\n    image: busybox\n    environment: 5\n",
             "services.web.environment: expected a list of KEY=VALUE or a mapping"),
            ("services:\n  web:\n    image: busybox\n    environment:\n      - =x\n",
             "services.web.environment[0]: expected KEY=VALUE"),
            ("services:\n  web:\n    image: busybox\n    command: \"echo 'open\"\n",
             "services.web.command: unterminated single quote in 'echo \\'open'"),
            ("services:\n  web:\n    image: busybox\n    depends_on: [db]\n",
             "services.web.depends_on: unknown service 'db'"),
            ("services:\n  web:\n    image: busybox\n    working_dir: relative\n",
             "services.web.working_dir: expected an absolute path"),
            ("services:\n  web:\n    image: busybox\n    hostname: no_underscores\n",
             "services.web.hostname: invalid hostname 'no_underscores'"),
            ("services:\n  web:\n    image: busybox\n    mem_limit: 1m\n",
             "services.web.mem_limit: the memory limit (1.0MiB) is below the minimum of 6MiB"),
            ("services:\n  web:\n    image: busybox\n    mem_limit: 64m\n    deploy:\n      resources:\n        limits:\n          memory: 32m\n",
             "services.web.mem_limit: conflicts with deploy.resources.limits.memory"),
            ("services:\n  web:\n    image: busybox\n    stop_grace_period: soon\n",
             "services.web.stop_grace_period: expected a duration such as 10s or 1m30s, not 'soon'"),
            ("services:\n  web:\n    image: busybox\n    network_mode: overlay\n",
             "services.web.network_mode: expected none, host, bridge or container:NAME, not 'overlay'"),
            ("services:\n  web:\n    image: ${TAG:?set TAG}\n",
             "services.web.image: required variable TAG is missing a value: set TAG"),
            ("services:\n  web:\n    image: ${TAG\n",
             "services.web.image: invalid interpolation format in '${TAG': unclosed ${"),
            ("services:\n  web site:\n    image: busybox\n",
             "services.web site: invalid service name 'web site': expected letters, digits, '_' or '-', starting with a letter or digit, at most 63 characters"),
            ("services:\n  web: busybox\n", "services.web: expected a mapping"),
            ("services: []\n", "services: expected a mapping"),
            ("name: demo\n", "services: missing (the file defines no services)"),
            ("services:\n  web:\n    image: busybox\n   bad: indent\n", "invalid YAML: line 4: did not find expected key"),
        ]
        for (yaml, message) in cases {
            XCTAssertEqual(error(yaml), message, yaml)
        }
    }

    func testDependencyCyclesAreErrors() {
        XCTAssertEqual(error("""
            services:
              a:
                image: busybox
                depends_on: [b]
              b:
                image: busybox
                depends_on: [c]
              c:
                image: busybox
                depends_on: [a]
              d:
                image: busybox
            """), "services.a.depends_on: dependency cycle: a -> b -> c -> a")
        XCTAssertEqual(error("services:\n  a:\n    image: busybox\n    depends_on: [a]\n"),
                       "services.a.depends_on: dependency cycle: a -> a")
    }
}
