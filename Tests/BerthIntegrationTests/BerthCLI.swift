import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Runs the real `berth` binary against a private root and cgroup parent, so tests never see
/// or touch anything but their own containers.
struct BerthCLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let root: String
    let cgroupParent: String

    static var binary: String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        let exe = String(decoding: buf[0..<max(n, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var dir = String(exe[..<(exe.lastIndex(of: "/") ?? exe.endIndex)])
        // swift test runs .build/debug/BerthPackageTests.xctest; the products sit beside it.
        if dir.hasSuffix(".xctest") || dir.contains(".xctest/") { dir = String(dir[..<dir.range(of: "/BerthPackageTests.xctest")!.lowerBound]) }
        return dir + "/berth"
    }

    @discardableResult
    func run(_ args: [String], timeout: Double = 60, stdin: String? = nil) -> Result {
        let r = Subprocess.run(Self.binary, ["--root", root, "--cgroup-parent", cgroupParent] + args, stdin: stdin, timeout: timeout)
        return Result(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    func json(_ args: [String]) throws -> Any {
        let r = run(args)
        guard r.status == 0 else { throw NSError(domain: "berth", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: r.stderr]) }
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    /// The `state` object of `berth inspect`.
    func state(_ name: String) throws -> [String: Any] {
        let arr = try json(["inspect", name]) as? [[String: Any]]
        return arr?.first?["state"] as? [String: Any] ?? [:]
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

/// What the host looked like before the tests: they must leave it exactly so.
struct HostSnapshot: Equatable {
    var hostname: String
    var mounts: [String]

    static func take() -> HostSnapshot {
        var buf = [CChar](repeating: 0, count: 256)
        gethostname(&buf, buf.count)
        let name = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let mounts = ((try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "")
            .split(separator: "\n").map { line -> String in
                // Drop the mount id and parent id, which are not stable identifiers of a mount.
                line.split(separator: " ").dropFirst(2).joined(separator: " ")
            }.sorted()
        return HostSnapshot(hostname: name, mounts: mounts)
    }
}

/// A fresh state root with the busybox image, shared by a test class and removed after it.
final class TestRoot {
    let path: String
    let cli: BerthCLI
    let host = HostSnapshot.take()

    init(_ label: String) throws {
        path = "/var/tmp/berth-test-\(label)-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        cli = BerthCLI(root: path, cgroupParent: "berth-test-\(label)-\(getpid())")
        let r = cli.run(["image", "import-busybox"])
        guard r.status == 0 else { throw NSError(domain: "berth", code: 1, userInfo: [NSLocalizedDescriptionKey: "import-busybox failed: \(r.stderr)"]) }
    }

    /// Removes every container, then checks nothing of Berth's is left on the host.
    func tearDown(file: StaticString = #filePath, line: UInt = #line) {
        let ids = cli.run(["ps", "-a", "-q"]).stdout.split(separator: "\n").map(String.init)
        if !ids.isEmpty { cli.run(["rm", "-f"] + ids) }
        let bridge = (try? cli.json(["network", "inspect"]) as? [String: Any])?["interface"] as? String
        let removed = cli.run(["network", "rm"])
        XCTAssertEqual(removed.status, 0, "network rm: \(removed.stderr)", file: file, line: line)
        if let bridge {
            XCTAssertFalse(FileManager.default.fileExists(atPath: "/sys/class/net/" + bridge), "bridge \(bridge) left behind", file: file, line: line)
        }
        let berthLinks = ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net")) ?? []).filter {
            guard $0.hasPrefix("berth"), let bridge else { return false }
            // Veths of this root's containers are enslaved to its bridge; with the bridge gone none may remain.
            let master = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/sys/class/net/\($0)/master")) ?? ""
            return master.hasSuffix("/" + bridge)
        }
        XCTAssertEqual(berthLinks, [], "interfaces left behind", file: file, line: line)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: path + "/containers")) ?? []
        XCTAssertEqual(left.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".lock") }, [], "containers left in the test root", file: file, line: line)
        XCTAssertEqual(Self.cgroupDirectories(named: cli.cgroupParent), [], "cgroups left behind", file: file, line: line)
        XCTAssertEqual(Self.processes(mentioning: path), [], "supervisors of the test root still run", file: file, line: line)
        let now = HostSnapshot.take()
        XCTAssertEqual(now.hostname, host.hostname, "the host's hostname changed", file: file, line: line)
        XCTAssertEqual(Set(now.mounts).symmetricDifference(host.mounts), [], "the host's mount table changed", file: file, line: line)
        try? FileManager.default.removeItem(atPath: path)
    }

    /// PIDs whose command line mentions `text` (the shims carry their plan's path).
    static func processes(mentioning text: String) -> [Int32] {
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
        return pids.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(text)
        }
    }

    /// Directories named `name` anywhere in the first levels of the cgroup hierarchies.
    static func cgroupDirectories(named name: String) -> [String] {
        var found: [String] = []
        let fm = FileManager.default
        guard let hierarchies = try? fm.contentsOfDirectory(atPath: "/sys/fs/cgroup") else { return [] }
        for h in hierarchies {
            let base = "/sys/fs/cgroup/" + h
            guard let e = fm.enumerator(atPath: base) else { continue }
            while let rel = e.nextObject() as? String {
                if rel.split(separator: "/").count > 4 { e.skipDescendants(); continue }
                if rel.hasSuffix(name) { found.append(base + "/" + rel) }
            }
        }
        return found
    }
}

/// A suite of real-container tests sharing one state root (busybox imported once), removed —
/// and the host checked unchanged — when the suite ends. Subclasses name their root.
class ContainerTestCase: XCTestCase {
    class var rootLabel: String { "suite" }

    nonisolated(unsafe) private static var roots: [ObjectIdentifier: TestRoot] = [:]
    static var root: TestRoot! { roots[ObjectIdentifier(self)] }
    var cli: BerthCLI { Self.root.cli }

    override class func setUp() {
        super.setUp()
        guard getuid() == 0 else { return }
        roots[ObjectIdentifier(self)] = try? TestRoot(rootLabel)
    }

    override class func tearDown() {
        roots.removeValue(forKey: ObjectIdentifier(self))?.tearDown()
        super.tearDown()
    }

    override func setUpWithError() throws {
        try XCTSkipUnless(getuid() == 0, "containers need root")
        XCTAssertNotNil(Self.root, "could not set up the test root")
        if Self.root == nil { throw NSError(domain: "berth", code: 1, userInfo: [NSLocalizedDescriptionKey: "no test root"]) }
    }
}
