import BerthOS
import BerthRuntime
import Foundation

/// The stack `berth demo` brings up to show the dashboard. The text is also shipped as
/// `docs/demo-compose.yaml`; `DemoStackTests` keeps the two identical.
public enum DemoStack {
    public static let projectName = "demo"
    /// The image every demo service runs: built from the host's busybox-static when missing.
    public static let image = "busybox:latest"
    /// Set to `none` (or `host`) to run the demo without the bridge network, e.g. in tests.
    public static let networkEnvironmentVariable = "BERTH_DEMO_NETWORK"

    /// The compose file, byte for byte.
    public static let composeYAML = #"""
# The stack `berth demo` runs (embedded in Sources/BerthDashboard/Demo/DemoStack.swift; a unit
# test keeps the two identical). Every script is busybox sh; `$$` is a literal `$` in compose.
# Each script traps SIGTERM so a scale down or `berth demo --down` ends it at once.
name: demo

services:
  # Three replicas of a static web server, each serving a page that names the replica.
  web:
    image: busybox:latest
    deploy:
      replicas: 3
      resources:
        limits:
          memory: 32m
          cpus: "0.25"
    restart: always
    command:
      - sh
      - -c
      - |
        trap 'exit 0' TERM
        mkdir -p /www
        echo "hello from $$(hostname)" > /www/index.html
        echo "serving /www on port 80"
        httpd -f -v -p 80 -h /www &
        wait

  # Clients that fetch the page from `web` by name once a second and log what they got and how long it took.
  worker:
    image: busybox:latest
    depends_on:
      - web
    deploy:
      replicas: 2
    mem_limit: 16m
    cpus: 0.1
    restart: always
    environment:
      TARGET: http://web/
      INTERVAL: "1"
    command:
      - sh
      - -c
      - |
        trap 'exit 0' TERM
        n=0
        while true; do
          n=$$((n + 1))
          read t0 _ < /proc/uptime
          if body=$$(timeout 3 wget -q -O - "$$TARGET" 2>&1); then result="ok"; else result="failed"; fi
          read t1 _ < /proc/uptime
          ms=$$(( ($${t1%.*}$${t1#*.} - $${t0%.*}$${t0#*.}) * 10 ))
          echo "request $$n to $$TARGET: $$result in $${ms}ms: $$body"
          sleep "$$INTERVAL" & wait
        done

  # Burns CPU and holds memory in bursts so the dashboard's graphs move.
  burner:
    image: busybox:latest
    deploy:
      replicas: 1
      resources:
        limits:
          memory: 96m
          cpus: "0.5"
    restart: always
    command:
      - sh
      - -c
      - |
        trap 'exit 0' TERM
        while true; do
          echo "burst: 4 s of CPU and 24 MiB of memory"
          timeout 4 md5sum /dev/zero > /dev/null 2>&1 &
          ballast=$$(head -c 25165824 /dev/zero | tr '\000' x)
          wait
          echo "holding $${#ballast} bytes"
          sleep 3 & wait
          ballast=
          echo "resting"
          sleep 5 & wait
        done

# The project's default network (demo_default): the demo needs nothing outside it.
networks:
  default:
    internal: true

"""#
}

extension DemoStack {
    /// The demo's services, with every replica on `network` when given (else the compose file's choice).
    public static func project(network: NetworkMode? = nil, cgroupParent: String? = nil) throws -> ComposeProject {
        var project = try ComposeParser.parse(composeYAML, options: ComposeParser.Options(
            defaultProjectName: projectName, environment: [:], cgroupParent: cgroupParent))
        if let network {
            for i in project.services.indices {
                project.services[i].template.network = network
                project.services[i].template.networkName = nil
                project.services[i].template.extraNetworks = []
            }
        }
        return project
    }

    /// `BERTH_DEMO_NETWORK` as a network mode, nil when unset.
    public static func networkOverride(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> NetworkMode? {
        guard let text = environment[networkEnvironmentVariable], !text.isEmpty else { return nil }
        guard let mode = NetworkMode.named(text) else {
            throw BerthError.invalidArgument("invalid \(networkEnvironmentVariable) \(text.quoted): expected none, host or bridge")
        }
        return mode
    }
}

extension DemoStack {
    /// Builds the demo image from the host's busybox-static unless it is there already.
    /// Returns true when it imported it.
    @discardableResult
    public static func ensureImage(in engine: Engine, busybox: String = BusyboxRootfs.defaultBinary) throws -> Bool {
        if (try? engine.images.resolve(image)) != nil { return false }
        try engine.importBusybox(as: try ImageReference(parsing: image), busybox: busybox)
        return true
    }
}
