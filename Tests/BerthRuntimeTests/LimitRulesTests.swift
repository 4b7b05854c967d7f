import BerthOCI
import Foundation
import XCTest
@testable import BerthOS
@testable import BerthRuntime

/// The one validator of limits, each rule with its one message, reached from the library
/// (`Engine.create`, `createService`), compose and the cgroup writer alike.
/// The rule `limits` breaks, nil when none: for the tests of `LimitRules`.
func violation(_ limits: ResourceLimits) -> LimitRules.Violation? {
    do { try LimitRules.check(limits); return nil } catch { return error }
}

final class LimitRulesTests: XCTestCase {
    private let mib: Int64 = 1 << 20

    func testEachRuleHasOneMessage() {
        XCTAssertNil(violation(ResourceLimits(memory: 6 * mib, memorySwap: -1, cpus: 0.01, cpuShares: 2,
                                              cpusetCpus: "0-1,3", pidsLimit: 1)))
        XCTAssertNil(violation(ResourceLimits(memory: 64 * mib, memorySwap: 64 * mib, cpus: 1024, cpuShares: 262_144)))
        let cases: [(ResourceLimits, LimitRules.Field, String)] = [
            (ResourceLimits(memory: mib), .memory, "the memory limit (1.0MiB) is below the minimum of 6MiB"),
            (ResourceLimits(memory: LimitRules.minimumMemory - 1), .memory, "the memory limit (6.0MiB) is below the minimum of 6MiB"),
            (ResourceLimits(memorySwap: 64 * mib), .memorySwap, "a memory+swap limit needs a memory limit too: it limits memory plus swap"),
            (ResourceLimits(memory: 64 * mib, memorySwap: 32 * mib), .memorySwap,
             "the memory+swap limit (32.0MiB) must be at least the memory limit (64.0MiB), or -1 for unlimited swap"),
            (ResourceLimits(memory: 64 * mib, memorySwap: -2), .memorySwap,
             "the memory+swap limit (-2B) must be at least the memory limit (64.0MiB), or -1 for unlimited swap"),
            (ResourceLimits(cpus: 0.005), .cpus, "the number of CPUs (0.005) must be between 0.01 and 1024"),
            (ResourceLimits(cpus: .nan), .cpus, "the number of CPUs (nan) must be between 0.01 and 1024"),
            (ResourceLimits(cpus: 2000), .cpus, "the number of CPUs (2000.0) must be between 0.01 and 1024"),
            (ResourceLimits(cpuShares: 1), .cpuShares, "the CPU shares (1) must be between 2 and 262144"),
            (ResourceLimits(cpuShares: 262_145), .cpuShares, "the CPU shares (262145) must be between 2 and 262144"),
            (ResourceLimits(cpusetCpus: "0;rm"), .cpusetCpus, "the cpuset '0;rm' is not a CPU list such as 0-1 or 0,2"),
            (ResourceLimits(pidsLimit: 0), .pidsLimit, "the pids limit (0) must be at least 1; leave it out for no limit"),
        ]
        for (limits, field, message) in cases {
            let v = violation(limits)
            XCTAssertEqual(v?.field, field, "\(limits)")
            XCTAssertEqual(v?.message, message, "\(limits)")
        }
        for bad in ["", ",", "0,", "-1", "1-", "1-0", "a", "0-1-2", "123456"] {
            XCTAssertEqual(violation(ResourceLimits(cpusetCpus: bad))?.field, .cpusetCpus, bad)
        }
    }

    func testLimitsRoundTripThroughTheOCIResources() {
        let limits = ResourceLimits(memory: 64 * mib, memorySwap: -1, cpus: 1.5, cpuShares: 512, cpusetCpus: "0", pidsLimit: 20)
        let resources = OCI.Resources(limits)
        XCTAssertEqual(resources.cpu?.quota, 150_000)
        XCTAssertEqual(resources.cpu?.period, CPUs.period)
        XCTAssertEqual(ResourceLimits(resources), limits)
        XCTAssertEqual(ResourceLimits(OCI.Resources()), ResourceLimits())
        XCTAssertEqual(ResourceLimits(nil), ResourceLimits())
        // A period other than Berth's, as another tool may write, reads as docker's --cpu-period and
        // --cpu-quota, and as the same number of CPUs for what measures against the limit.
        let other = ResourceLimits(OCI.Resources(cpu: OCI.CPUResources(quota: 25_000, period: 50_000)))
        XCTAssertNil(other.cpus)
        XCTAssertEqual(other.cpuQuota, 25_000)
        XCTAssertEqual(other.cpuPeriod, 50_000)
        XCTAssertEqual(other.cpuLimit, 0.5)
        XCTAssertNil(ResourceLimits(OCI.Resources(pids: OCI.PidsResources(limit: -1))).pidsLimit, "the runtime-spec's unlimited")
    }

    func testTheCgroupWriterUsesTheSameRulesAndConfigsPeriod() throws {
        XCTAssertThrowsError(try CgroupLimitValues(OCI.Resources(memory: OCI.MemoryResources(limit: mib)))) { error in
            XCTAssertEqual(error as? BerthError, .invalidArgument("the memory limit (1.0MiB) is below the minimum of 6MiB"))
        }
        let values = try CgroupLimitValues(OCI.Resources(cpu: OCI.CPUResources(quota: 25_000, period: 50_000)))
        XCTAssertEqual(values.cpuQuotaMicros, 25_000)
        XCTAssertEqual(values.cpuPeriodMicros, 50_000)
    }

    func testComposeNamesTheKeyOfTheBrokenRule() {
        func message(_ yaml: String) -> String? {
            do { _ = try ComposeParser.parse(yaml, options: .init(environment: [:])); return nil } catch {
                return (error as? BerthError)?.description
            }
        }
        let svc = "services:\n  web:\n    image: busybox\n"
        XCTAssertEqual(message(svc + "    mem_limit: 1m\n"),
                       "services.web.mem_limit: the memory limit (1.0MiB) is below the minimum of 6MiB")
        XCTAssertEqual(message(svc + "    deploy:\n      resources:\n        limits:\n          memory: 1m\n"),
                       "services.web.deploy.resources.limits.memory: the memory limit (1.0MiB) is below the minimum of 6MiB")
        XCTAssertEqual(message(svc + "    cpus: 0.001\n"),
                       "services.web.cpus: the number of CPUs (0.001) must be between 0.01 and 1024")
        XCTAssertEqual(message(svc + "    deploy:\n      resources:\n        limits:\n          pids: 0\n"),
                       "services.web.deploy.resources.limits.pids: the pids limit (0) must be at least 1; leave it out for no limit")
    }

    /// The library path: `Engine.create` and `createService` refuse before anything is resolved or stored.
    func testTheEngineChecksEveryRequest() throws {
        var template = Array((NSTemporaryDirectory() + "/berth-limits-XXXXXX").utf8CString)
        guard let dir = mkdtemp(&template) else { throw BerthError.errno("mkdtemp") }
        let root = String(cString: dir)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let engine = try Engine(options: EngineOptions(root: root + "/state"))
        let tiny = ResourceLimits(memory: mib)
        XCTAssertThrowsError(try engine.create(ContainerRequest(image: "no-such-image", limits: tiny))) { error in
            XCTAssertEqual(error as? BerthError, .invalidArgument("the memory limit (1.0MiB) is below the minimum of 6MiB"),
                           "the limits are checked before the image is looked up")
        }
        var t = ServiceSpec.template(image: "no-such-image")
        t.limits = ResourceLimits(cpuShares: 1)
        XCTAssertThrowsError(try engine.createService(ServiceSpec(name: "web", template: t, replicas: 0))) { error in
            XCTAssertEqual(error as? BerthError, .invalidArgument("the CPU shares (1) must be between 2 and 262144"))
        }
        XCTAssertEqual(try engine.listServices().count, 0)
    }
}

/// Records and service files written by earlier versions still load.
final class StoredFormatTests: XCTestCase {
    func testAnOlderContainerRecordDecodesAndItsRunSettingsAreLeftToConfigJSON() throws {
        let old = """
            {"id":"\(String(repeating: "a", count: 64))","name":"web","image":"busybox","imageID":"sha256:1",
             "created":"2026-01-01T00:00:00Z","command":["sleep","30"],"env":["PATH=/bin"],"workingDir":"/",
             "hostname":"web","limits":{"memory":67108864},"restartPolicy":"always","labels":{},"network":"none",
             "tty":true,"autoRemove":false,"layers":["/l1"]}
            """
        let r = try JSONDecoder.berth.decode(ContainerRecord.self, from: Data(old.utf8))
        XCTAssertEqual(r.name, "web")
        XCTAssertEqual(r.restartPolicy, .always)
        XCTAssertEqual(r.layers, ["/l1"])
        let written = String(decoding: try JSONEncoder.berth.encode(r), as: UTF8.self)
        for gone in ["\"command\"", "\"env\"", "\"limits\"", "\"hostname\"", "\"tty\""] {
            XCTAssertFalse(written.contains(gone), "container.json no longer holds \(gone): \(written)")
        }
    }

    func testAnOlderServiceFileLoadsWithTheRequestDefaults() throws {
        let dir = NSTemporaryDirectory() + "berth-svc-old-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/services", withIntermediateDirectories: true)
        // A ServiceTemplate as stored before it became a ContainerRequest: no autoRemove, ports, tty, interactive.
        let old = """
            {"name":"web","replicas":2,"dependsOn":[],"ports":["8080:80"],"stopTimeout":10,"created":"2026-01-01T00:00:00Z",
             "template":{"image":"busybox","command":["sleep","30"],"env":["A=1"],"limits":{"memory":67108864},
                         "restartPolicy":"always","network":"bridge","labels":{"tier":"front"}}}
            """
        try old.write(toFile: dir + "/services/web.json", atomically: true, encoding: .utf8)
        let spec = try XCTUnwrap(try ServiceStore(root: dir).load("web"))
        var expected = ServiceSpec.template(image: "busybox", command: ["sleep", "30"])
        expected.env = ["A=1"]
        expected.limits = ResourceLimits(memory: 64 << 20)
        expected.labels = ["tier": "front"]
        XCTAssertEqual(spec.template, expected)
        XCTAssertEqual(try spec.replicaRequest(index: 1).ports.map(\.description), ["0.0.0.0:8080->80/tcp"])
    }

    /// Before UDP: a published port had no `proto` (tcp), `--expose` was stored as port numbers.
    func testPortsStoredBeforeUDPReadAsTCP() throws {
        let port = try JSONDecoder.berth.decode(PortMapping.self, from: Data(#"{"hostIP":"127.0.0.1","hostPort":8080,"containerPort":80}"#.utf8))
        XCTAssertEqual(port.description, "127.0.0.1:8080->80/tcp")
        let request = try JSONDecoder.berth.decode(ContainerRequest.self, from: Data(#"{"image":"busybox","exposedPorts":[53,80]}"#.utf8))
        XCTAssertEqual(request.exposedPorts, ["53/tcp", "80/tcp"])
        let udp = PortMapping(hostIP: IPv4Address(0), hostPort: 5353, containerPort: 53, proto: .udp)
        XCTAssertEqual(try JSONDecoder.berth.decode(PortMapping.self, from: JSONEncoder.berth.encode(udp)), udp)
    }
}
