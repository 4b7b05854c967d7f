import XCTest
@testable import BerthOS
@testable import BerthRuntime

/// Replica names, which replicas a scale creates and removes, start order, and the stored spec.
final class ServiceNamingTests: XCTestCase {
    func testReplicaNamesCountFromOne() {
        XCTAssertEqual(ReplicaName.name(service: "web", index: 1), "web-1")
        XCTAssertEqual(ReplicaName.index(of: "web-12", service: "web"), 12)
        XCTAssertNil(ReplicaName.index(of: "web-0", service: "web"))
        XCTAssertNil(ReplicaName.index(of: "web-01", service: "web"))
        XCTAssertNil(ReplicaName.index(of: "web-x", service: "web"))
        XCTAssertNil(ReplicaName.index(of: "web-", service: "web"))
        XCTAssertNil(ReplicaName.index(of: "webapp-1", service: "web"))
        // A service whose name ends in a number is not confused with another's replicas.
        XCTAssertEqual(ReplicaName.index(of: "web-2-3", service: "web-2"), 3)
        XCTAssertNil(ReplicaName.index(of: "web-2-3", service: "web"))
    }

    func testTheLabelWinsOverTheName() {
        let info = ContainerInfo(id: "x", name: "web-7", image: "i", command: [], created: Date(),
                                 state: ContainerState(status: .running), labels: ["berth.service": "web", "berth.replica": "2"],
                                 hostname: "h")
        XCTAssertEqual(ReplicaName.index(of: info, service: "web"), 2)
    }

    func testScaleUpFillsGapsThenAppends() {
        XCTAssertEqual(ReplicaName.plan(existing: [], desired: 3).create, [1, 2, 3])
        let p = ReplicaName.plan(existing: [1, 3], desired: 4)
        XCTAssertEqual(p.create, [2, 4])
        XCTAssertEqual(p.remove, [])
    }

    func testScaleDownRemovesTheHighestNumberedFirst() {
        let p = ReplicaName.plan(existing: [4, 1, 2, 3, 5], desired: 2)
        XCTAssertEqual(p.create, [])
        XCTAssertEqual(p.remove, [5, 4, 3])
        XCTAssertEqual(ReplicaName.plan(existing: [1, 3, 4], desired: 2).remove, [4])
        XCTAssertEqual(ReplicaName.plan(existing: [2, 1], desired: 0).remove, [2, 1])
        XCTAssertTrue(ReplicaName.plan(existing: [1, 2], desired: 2) == ([], []))
    }

    func testServiceNames() {
        for good in ["web", "a", "api_v2", "w-1"] { XCTAssertNoThrow(try ReplicaName.validateService(good), good) }
        for bad in ["", "-web", "web=2", "web.eu", "we b", "wéb", String(repeating: "x", count: 64)] {
            XCTAssertThrowsError(try ReplicaName.validateService(bad), bad)
        }
    }

    func testTheTemplateLabelsEachReplica() throws {
        var t = ServiceSpec.template(image: "busybox", command: ["sleep", "1"])
        t.labels = ["tier": "front"]
        let r = try ServiceSpec(name: "web", template: t, ports: ["8080:80"], project: "shop").replicaRequest(index: 2)
        XCTAssertEqual(r.name, "web-2")
        XCTAssertEqual(r.labels, ["tier": "front", "berth.service": "web", "berth.replica": "2", "berth.project": "shop"])
        XCTAssertEqual(r.restartPolicy, .always)
        XCTAssertEqual(r.network, ServiceSpec.defaultNetwork)
        XCTAssertEqual(r.ports, [], "only replica 1 publishes")
        XCTAssertFalse(r.autoRemove)
        XCTAssertNil(r.hostname)
    }

    func testStartOrderIsStableAndCyclesAreFound() throws {
        XCTAssertEqual(try DependencyOrder.sort(["a", "b", "c"], dependencies: [:]), ["a", "b", "c"])
        XCTAssertEqual(try DependencyOrder.sort(["web", "db", "api"], dependencies: ["web": ["api"], "api": ["db"]]), ["db", "api", "web"])
        XCTAssertThrowsError(try DependencyOrder.sort(["a", "b", "x"], dependencies: ["a": ["b"], "b": ["a"], "x": ["a"]])) { e in
            XCTAssertEqual((e as? DependencyOrder.Cycle)?.path, ["a", "b", "a"])
        }
    }

    func testSpecsRoundTripThroughTheStore() throws {
        let dir = "/tmp/berth-svc-store-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = ServiceStore(root: dir)
        var spec = ServiceSpec(name: "web", template: ContainerRequest(image: "busybox", limits: ResourceLimits(memory: 64 << 20)),
                               replicas: 3, dependsOn: ["db"], ports: ["8080:80"], project: "p")
        spec.created = Date(timeIntervalSince1970: 1_700_000_000)
        try store.locked("web") { try store.save(spec) }
        XCTAssertEqual(try store.load("web"), spec)
        XCTAssertEqual(store.all().map(\.name), ["web"])
        XCTAssertNil(try store.load("nope"))
        var changed = spec
        changed.replicas = 9
        XCTAssertTrue(spec.sameDefinition(as: changed))
        changed.template.env = ["A=1"]
        XCTAssertFalse(spec.sameDefinition(as: changed))
        try store.delete("web")
        XCTAssertEqual(store.all().count, 0)
    }

    func testInterpolationAndShellWordsEdgeCases() throws {
        XCTAssertEqual(try ComposeInterpolation.apply("a$$b$", environment: [:]), "a$b$")
        XCTAssertEqual(try ComposeInterpolation.apply("${A:-${B}}", environment: ["B": "b"]), "b")
        XCTAssertEqual(try ShellWords.split("  a  'b c'\"d\\\"e\" f\\ g  "), ["a", "b cd\"e", "f g"])
        XCTAssertEqual(try ShellWords.split("''"), [""])
        XCTAssertEqual(try ShellWords.split(""), [])
        XCTAssertThrowsError(try ShellWords.split("\"open"))
    }
}
