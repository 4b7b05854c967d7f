import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The shared helpers, visible to every file of the target without its own import.
typealias Subprocess = BerthTestSupport.Subprocess
typealias Prerequisite = BerthTestSupport.Prerequisite
typealias HostState = BerthTestSupport.HostState

/// Runs the real `berth` binary against a private root and cgroup parent, so tests never see
/// or touch anything but their own containers.
struct BerthCLI {
    typealias Result = Subprocess.Result

    let root: String
    let cgroupParent: String

    /// `berth` sits beside the test bundle (`<scratch>/debug/BerthPackageTests.xctest`), whatever
    /// scratch path the build used.
    static var binary: String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        let exe = String(decoding: buf[0..<max(n, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var dir = String(exe[..<(exe.lastIndex(of: "/") ?? exe.endIndex)])
        if let r = dir.range(of: "/BerthPackageTests.xctest") { dir = String(dir[..<r.lowerBound]) }
        return dir + "/berth"
    }

    @discardableResult
    func run(_ args: [String], timeout: Double = 60, stdin: String? = nil) -> Result {
        Subprocess.run(Self.binary, ["--root", root, "--cgroup-parent", cgroupParent] + args, stdin: stdin, timeout: timeout)
    }

    /// Removes every service of the root with its replicas (one second each to stop): what the
    /// service suites do after each test, so a failed test leaves no replica to the next.
    func removeAllServices() {
        let services = run(["service", "ls", "-q"]).stdout.split(separator: "\n").map(String.init)
        if !services.isEmpty { run(["service", "rm", "-t", "1"] + services) }
    }

    func json(_ args: [String]) throws -> Any {
        let r = run(args)
        guard r.status == 0 else { throw NSError(domain: "berth", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: r.stderr]) }
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    /// The container's document of `berth inspect` (docker's keys).
    func inspect(_ name: String) throws -> [String: Any] {
        let arr = try json(["inspect", name]) as? [[String: Any]]
        guard let first = arr?.first else { throw NSError(domain: "berth", code: 1, userInfo: [NSLocalizedDescriptionKey: "inspect \(name): no document"]) }
        return first
    }

    /// docker's `State` object of `berth inspect`.
    func state(_ name: String) throws -> [String: Any] {
        try inspect(name)["State"] as? [String: Any] ?? [:]
    }

    /// The `Berth` object of `berth inspect`: what docker has no key for (supervisor pid, signal…).
    func berthKeys(_ name: String) throws -> [String: Any] {
        try inspect(name)["Berth"] as? [String: Any] ?? [:]
    }

    /// Polls `condition` until it holds or `timeout` passes.
    func eventually(timeout: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }
}

/// A fresh state root with the busybox image, shared by a test class and removed after it.
final class TestRoot {
    let path: String
    let cli: BerthCLI
    let scope: TestRootScope

    init(_ label: String) throws {
        scope = TestRootScope(label: label)
        path = scope.path
        try? FileManager.default.removeItem(atPath: path)
        TestSafety.outboundOff(root: path)
        cli = BerthCLI(root: path, cgroupParent: scope.cgroupParent)
        let r = cli.run(["image", "import-busybox"])
        guard r.status == 0 else { throw NSError(domain: "berth", code: 1, userInfo: [NSLocalizedDescriptionKey: "import-busybox failed: \(r.stderr)"]) }
    }

    /// The ids of the root's containers (`ps -a -q`).
    func containerIDs() -> [String] {
        cli.run(["ps", "-a", "-q"]).stdout.split(separator: "\n").map(String.init)
    }

    /// Force-removes the root's containers but those in `keeping`; returns what `rm -f` said when it failed.
    @discardableResult
    func removeContainers(keeping: [String] = []) -> String? {
        let ids = containerIDs().filter { !keeping.contains($0) }
        TestRun.record(containerIDs: ids)
        guard !ids.isEmpty else { return nil }
        let r = cli.run(["rm", "-f"] + ids)
        return r.status == 0 ? nil : "berth rm -f exited \(r.status): \(r.stderr)"
    }

    /// After each test: removes the test's containers (all but `keeping`, which the class made
    /// before the test), then fails the test if anything of them is left on the host, or the host
    /// changed (mounts, hostname, canary directories) since `start`. The bridge may stay until the
    /// class ends; what the test put on it may not.
    func checkAfterTest(since start: HostState, keeping: [String] = [], file: StaticString = #filePath, line: UInt = #line) {
        let ids = containerIDs().filter { !keeping.contains($0) }
        if let problem = removeContainers(keeping: keeping) { XCTFail(problem, file: file, line: line) }
        let problems = scope.leftovers(since: start, containerIDs: ids, keeping: keeping)
        if !problems.isEmpty {
            XCTFail("this test left the host changed:\n  " + problems.joined(separator: "\n  "), file: file, line: line)
        }
    }

    /// After the class: removes the containers, the bridge and the root. No assertions (XCTest on
    /// Linux drops them here); each test's `tearDown` checked, and ZZZHostLeakFinalTests checks last.
    func tearDown() {
        removeContainers()
        cli.run(["network", "rm"])
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A suite of real-container tests sharing one state root (busybox imported once). After each
/// test its containers are removed and the host is checked unchanged (`TestRoot.checkAfterTest`);
/// the root and its bridge go when the suite ends. Subclasses name their root.
class ContainerTestCase: XCTestCase {
    class var rootLabel: String { "suite" }

    nonisolated(unsafe) private static var roots: [ObjectIdentifier: TestRoot] = [:]
    nonisolated(unsafe) private static var setupErrors: [ObjectIdentifier: String] = [:]
    static var root: TestRoot! { roots[ObjectIdentifier(self)] }
    var cli: BerthCLI { Self.root.cli }
    /// The host when this test started, and the containers the class had made by then.
    private var hostAtStart: HostState?
    private var containersAtStart: [String] = []

    override class func setUp() {
        super.setUp()
        guard getuid() == 0 else { return }
        do { roots[ObjectIdentifier(self)] = try TestRoot(rootLabel) } catch { setupErrors[ObjectIdentifier(self)] = "\(error)" }
    }

    override class func tearDown() {
        roots.removeValue(forKey: ObjectIdentifier(self))?.tearDown()
        super.tearDown()
    }

    override func setUpWithError() throws {
        try Prerequisite.requireRoot()
        guard Self.root != nil else {
            throw NSError(domain: "berth", code: 1, userInfo: [NSLocalizedDescriptionKey:
                "could not set up the test root: \(Self.setupErrors[ObjectIdentifier(Self.self)] ?? "unknown")"])
        }
        hostAtStart = HostState.take()
        containersAtStart = Self.root.containerIDs()
    }

    override func tearDown() {
        if let root = Self.root, let start = hostAtStart { root.checkAfterTest(since: start, keeping: containersAtStart) }
        hostAtStart = nil
        super.tearDown()
    }
}

/// The value at `path` in a JSON document (`dig(doc, "HostConfig", "Memory")`); nil when a key is missing.
func dig(_ doc: Any?, _ path: String...) -> Any? {
    var v = doc
    for key in path { v = (v as? [String: Any])?[key] }
    return v
}
