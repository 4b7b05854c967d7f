@testable import BerthOS
@testable import BerthRuntime
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `berth top --runc-root`: a runtime root another engine wrote, read as untrusted. The runc
/// state below is the shape of a real one (Debian's runc 1.1, trimmed of its namespace and
/// mount lists).
final class RuntimeRootReaderTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "berth-test-runtimeroot-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
        super.tearDown()
    }

    static func runcState(id: String, pid: Int32, start: UInt64) -> String {
        """
        {"id":"\(id)","init_process_pid":\(pid),"init_process_start":\(start),"created":"2026-12-04T14:34:13.242358711Z",\
        "config":{"rootfs":"/b/rootfs","labels":["io.kubernetes.cri.image-name=busybox:1","io.kubernetes.cri.container-name=web",\
        "bundle=/run/containerd/io.containerd.runtime.v2.task/k8s.io/\(id)"],"cgroups":{"path":"/kubepods/\(id)"}},\
        "rootless":false,"cgroup_paths":{"memory":"/sys/fs/cgroup/memory/kubepods/\(id)"},"namespace_paths":{},\
        "external_descriptors":["/dev/null"],"intel_rdt_path":""}
        """
    }

    /// crun 1.8's `status` file, as `crun --root DIR run -d` wrote it (the pid and start time are
    /// the test's).
    static func crunStatus(pid: Int32, start: UInt64) -> String {
        """
        {
            "pid": \(pid),
            "process-start-time": \(start),
            "cgroup-path": "/c1",
            "scope": "",
            "rootfs": "rootfs",
            "systemd-cgroup": false,
            "bundle": "/var/lib/bundles/c1",
            "created": "2026-12-04T17:19:48.690065Z",
            "owner": "root",
            "detached": true,
            "external_descriptors": "[\\"/dev/null\\",\\"/dev/null\\",\\"/dev/null\\"]"
        }
        """
    }

    func put(_ id: String, file: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/" + id, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/" + id + "/" + file))
    }

    func put(_ id: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/" + id, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/" + id + "/state.json"))
    }

    func testBothFormatsAreReadAndTheirFieldsKept() throws {
        let start = try XCTUnwrap(ProcStat.startTime(pid: getpid()))
        try put("r1", Self.runcState(id: "r1", pid: getpid(), start: start))
        let berth = RuncState(id: "b1", bundle: "/bundles/b1", rootfs: "/bundles/b1/rootfs", pid: getpid(), pidStartTime: start,
                              created: "2026-12-04T10:00:00Z", annotations: ["a": "1"], cgroupParent: "berth-runc",
                              cgroupLeaf: "b1", owner: "root", resources: nil, hooks: nil)
        try put("b1", String(decoding: try JSONEncoder().encode(berth), as: UTF8.self))

        let reader = try RuntimeRootReader(root: root + "/")
        XCTAssertEqual(reader.root, root, "a trailing slash is dropped")
        let found = reader.containers()
        XCTAssertEqual(found.map(\.id), ["b1", "r1"])
        let r1 = try XCTUnwrap(found.last)
        XCTAssertEqual(r1.format, .runc)
        XCTAssertEqual(r1.pid, getpid())
        XCTAssertEqual(r1.pidStartTime, start)
        XCTAssertEqual(r1.bundle, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/r1")
        XCTAssertNil(r1.annotations["bundle"], "the bundle label is not an annotation")
        XCTAssertEqual(r1.displayName, "web")
        XCTAssertEqual(r1.image, "busybox:1")
        XCTAssertEqual(r1.created.map { Int($0.timeIntervalSince1970) }, 1_796_394_853)
        XCTAssertEqual(r1.status(cgroups: nil), .running)
        let b1 = try XCTUnwrap(found.first)
        XCTAssertEqual(b1.format, .berthRunc)
        XCTAssertEqual(b1.bundle, "/bundles/b1")
        XCTAssertEqual(b1.displayName, "b1")
        XCTAssertEqual(b1.annotations, ["a": "1"])
        XCTAssertEqual(b1.image, "berth-runc \(root)", "no image recorded: the row names its runtime and root")
    }

    /// runc's rules: a reused pid (start time differs) is stopped; an init waiting on exec.fifo
    /// is created.
    func testStatusFollowsTheInitAndTheFIFO() throws {
        let start = try XCTUnwrap(ProcStat.startTime(pid: getpid()))
        try put("reused", Self.runcState(id: "reused", pid: getpid(), start: start + 1))
        try put("waiting", Self.runcState(id: "waiting", pid: getpid(), start: start))
        XCTAssertEqual(mkfifo(root + "/waiting/exec.fifo", 0o600), 0)
        try put("gone", Self.runcState(id: "gone", pid: 0, start: 0))
        let byID = Dictionary(uniqueKeysWithValues: try RuntimeRootReader(root: root).containers().map { ($0.id, $0) })
        XCTAssertEqual(byID["reused"]?.status(cgroups: nil), .stopped)
        XCTAssertEqual(byID["waiting"]?.status(cgroups: nil), .created)
        XCTAssertEqual(byID["gone"]?.status(cgroups: nil), .stopped)
    }

    /// What is not a state file is left out, without following a link, reading a FIFO, reading
    /// past the cap or taking a bad name as an id.
    func testHostileEntriesAreLeftOut() throws {
        let outside = root + "-outside.json"
        try Data(Self.runcState(id: "x", pid: 1, start: 0).utf8).write(to: URL(fileURLWithPath: outside))
        defer { unlink(outside) }
        try FileManager.default.createDirectory(atPath: root + "/linked", withIntermediateDirectories: true)
        XCTAssertEqual(symlink(outside, root + "/linked/state.json"), 0)
        try FileManager.default.createDirectory(atPath: root + "/fifo", withIntermediateDirectories: true)
        XCTAssertEqual(mkfifo(root + "/fifo/state.json", 0o600), 0)
        // A FIFO holding a valid state: refused for what it is, not for what it holds.
        let writer = open(root + "/fifo/state.json", O_RDWR | O_NONBLOCK)
        XCTAssertGreaterThanOrEqual(writer, 0)
        defer { close(writer) }
        let valid = Array(Self.runcState(id: "fifo", pid: 0, start: 0).utf8)
        XCTAssertEqual(valid.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }, valid.count)
        try put("huge", "{\"init_process_pid\":1,\"pad\":\"" + String(repeating: "a", count: RuntimeRootReader.stateLimit) + "\"}")
        try put("garbage", "not json")
        try put("other", "{\"pid\": 5}")
        try put("bad\u{1b}[2Jname", Self.runcState(id: "bad", pid: 1, start: 0))
        try put("..hidden", Self.runcState(id: "h", pid: 1, start: 0))
        try put("ok", Self.runcState(id: "ok", pid: 0, start: 0))
        XCTAssertEqual(try RuntimeRootReader(root: root).containers().map(\.id), ["ok"])
        XCTAssertNil(RuntimeRootReader.summary(bundle: "relative/bundle"))
    }

    /// crun's root: `status` beside the config.json crun copied (annotations from it); the state file
    /// is what the inspect view shows; runc's rules for the status.
    func testCrunRootsAreRead() throws {
        let start = try XCTUnwrap(ProcStat.startTime(pid: getpid()))
        try put("c1", file: "status", Self.crunStatus(pid: getpid(), start: start))
        try put("c1", file: "config.json", #"{"ociVersion":"1.0.0","annotations":{"io.kubernetes.cri.container-name":"db","n":7}}"#)
        try put("c2", file: "status", Self.crunStatus(pid: getpid(), start: start + 1))
        try put("c3", file: "status", Self.crunStatus(pid: getpid(), start: start))
        XCTAssertEqual(mkfifo(root + "/c3/exec.fifo", 0o600), 0)
        let reader = try RuntimeRootReader(root: root)
        let found = Dictionary(uniqueKeysWithValues: reader.containers().map { ($0.id, $0) })
        XCTAssertEqual(found.keys.sorted(), ["c1", "c2", "c3"])
        let c1 = try XCTUnwrap(found["c1"])
        XCTAssertEqual(c1.format, .crun)
        XCTAssertEqual(c1.pid, getpid())
        XCTAssertEqual(c1.pidStartTime, start)
        XCTAssertEqual(c1.bundle, "/var/lib/bundles/c1")
        XCTAssertEqual(c1.created.map { Int($0.timeIntervalSince1970) }, 1_796_404_788)
        XCTAssertEqual(c1.annotations, ["io.kubernetes.cri.container-name": "db"], "string annotations only")
        XCTAssertEqual(c1.displayName, "db")
        XCTAssertEqual(c1.image, "crun \(root)")
        XCTAssertEqual(c1.status(cgroups: nil), .running)
        XCTAssertEqual(found["c2"]?.status(cgroups: nil), .stopped, "a reused pid")
        XCTAssertEqual(found["c3"]?.status(cgroups: nil), .created, "waiting on exec.fifo")
        XCTAssertEqual(found["c2"]?.annotations, [:], "no config.json: no annotations")
        XCTAssertTrue(reader.stateText("c1")?.contains("\"process-start-time\"") == true)
    }

    /// crun's files read as untrusted as runc's: a symlinked status or config.json, a FIFO, an
    /// oversized or garbage status, a status of another shape, names that are not ids.
    func testHostileCrunEntriesAreLeftOut() throws {
        let outside = root + "-outside.json"
        try Data(Self.crunStatus(pid: 1, start: 0).utf8).write(to: URL(fileURLWithPath: outside))
        defer { unlink(outside) }
        let outsideConfig = root + "-outside-config.json"
        try Data(#"{"annotations":{"io.kubernetes.cri.container-name":"stolen"}}"#.utf8).write(to: URL(fileURLWithPath: outsideConfig))
        defer { unlink(outsideConfig) }
        try FileManager.default.createDirectory(atPath: root + "/linked", withIntermediateDirectories: true)
        XCTAssertEqual(symlink(outside, root + "/linked/status"), 0)
        try FileManager.default.createDirectory(atPath: root + "/fifo", withIntermediateDirectories: true)
        XCTAssertEqual(mkfifo(root + "/fifo/status", 0o600), 0)
        try put("huge", file: "status", "{\"pid\":1,\"bundle\":\"/b\",\"cgroup-path\":\"/x\",\"pad\":\"" + String(repeating: "a", count: RuntimeRootReader.stateLimit) + "\"}")
        try put("garbage", file: "status", "\u{1b}[2J not json")
        try put("shape", file: "status", #"{"pid":"12","bundle":"/b"}"#)
        try put("bad\u{1b}[2Jname", file: "status", Self.crunStatus(pid: 1, start: 0))
        try put("..hidden", file: "status", Self.crunStatus(pid: 1, start: 0))
        try put("ok", file: "status", Self.crunStatus(pid: 0, start: 0))
        XCTAssertEqual(symlink(outsideConfig, root + "/ok/config.json"), 0)
        let found = try RuntimeRootReader(root: root).containers()
        XCTAssertEqual(found.map(\.id), ["ok"])
        XCTAssertEqual(found.first?.annotations, [:], "a symlinked config.json is not followed")
        XCTAssertEqual(found.first?.status(cgroups: nil), .stopped)
        XCTAssertNil(try RuntimeRootReader(root: root).stateText("linked"))
    }

    /// The bundle's command and network namespace: its own, the host's (none listed), or one
    /// joined by path (a Kubernetes pod's).
    func testTheBundleGivesTheCommandAndTheNetwork() throws {
        func bundle(_ name: String, _ namespaces: String) throws -> String {
            let dir = root + "/bundle-" + name
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(#"{"process":{"args":["nginx","-g","daemon off;"]},"linux":{"namespaces":[\#(namespaces)]}}"#.utf8)
                .write(to: URL(fileURLWithPath: dir + "/config.json"))
            return dir
        }
        let own = try XCTUnwrap(RuntimeRootReader.summary(bundle: try bundle("own", #"{"type":"pid"},{"type":"network"}"#)))
        XCTAssertEqual(own.command, ["nginx", "-g", "daemon off;"])
        XCTAssertEqual(own.network, .none)
        XCTAssertEqual(RuntimeRootReader.summary(bundle: try bundle("host", #"{"type":"pid"}"#))?.network, .host)
        let pod = try XCTUnwrap(RuntimeRootReader.summary(bundle: try bundle("pod", #"{"type":"network","path":"/var/run/netns/cni-1"}"#)))
        XCTAssertEqual(pod.network, .container)
        XCTAssertEqual(pod.networkPath, "/var/run/netns/cni-1")
    }

    func testTheRootMustBeAnAbsoluteDirectory() {
        XCTAssertThrowsError(try RuntimeRootReader(root: "run/runc")) { XCTAssertTrue("\($0)".contains("absolute"), "\($0)") }
        XCTAssertThrowsError(try RuntimeRootReader(root: root + "/nosuch")) { XCTAssertTrue("\($0)".contains("no such directory"), "\($0)") }
    }
}
