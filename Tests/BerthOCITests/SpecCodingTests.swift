@testable import BerthOCI
import Foundation
import XCTest

final class SpecCodingTests: XCTestCase {
    private func sampleSpec() -> OCI.Spec {
        OCI.Spec(
            process: OCI.Process(
                terminal: true,
                user: OCI.User(uid: 1000, gid: 1000, additionalGids: [10, 20], username: "app"),
                args: ["sh", "-c", "echo hi"],
                env: DefaultSpec.env,
                cwd: "/srv",
                capabilities: .docker(DefaultSpec.capabilityNames),
                rlimits: [OCI.Rlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)],
                noNewPrivileges: true),
            root: OCI.Root(path: "rootfs", readonly: false),
            hostname: "web-1",
            mounts: DefaultSpec.mounts,
            linux: OCI.Linux(
                namespaces: [OCI.Namespace(type: .pid), OCI.Namespace(type: .network, path: "/proc/42/ns/net")],
                resources: OCI.Resources(
                    memory: OCI.MemoryResources(limit: 64 << 20, swap: -1),
                    cpu: OCI.CPUResources(shares: 1024, quota: 50_000, period: 100_000, cpus: "0-1"),
                    pids: OCI.PidsResources(limit: 100)),
                cgroupsPath: "/berth/abc",
                maskedPaths: DefaultSpec.maskedPaths,
                readonlyPaths: DefaultSpec.readonlyPaths,
                devices: DefaultSpec.devices),
            annotations: ["org.berth.service": "web"])
    }

    private func jsonObject(_ spec: OCI.Spec) throws -> [String: Any] {
        let data = try JSONEncoder().encode(spec)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testRoundTripPreservesEveryField() throws {
        let spec = sampleSpec()
        let decoded = try JSONDecoder().decode(OCI.Spec.self, from: JSONEncoder().encode(spec))
        XCTAssertEqual(decoded, spec)
    }

    func testEncodedKeysAreTheRuntimeSpecNames() throws {
        let json = try jsonObject(sampleSpec())
        XCTAssertEqual(json["ociVersion"] as? String, OCI.Spec.version)
        let process = try XCTUnwrap(json["process"] as? [String: Any])
        XCTAssertEqual(process["noNewPrivileges"] as? Bool, true)
        let user = try XCTUnwrap(process["user"] as? [String: Any])
        XCTAssertEqual(user["additionalGids"] as? [Int], [10, 20])
        let capabilities = try XCTUnwrap(process["capabilities"] as? [String: Any])
        XCTAssertEqual((capabilities["bounding"] as? [String])?.first, "CAP_CHOWN")
        let rlimit = try XCTUnwrap((process["rlimits"] as? [[String: Any]])?.first)
        XCTAssertEqual(rlimit["type"] as? String, "RLIMIT_NOFILE")
        let linux = try XCTUnwrap(json["linux"] as? [String: Any])
        XCTAssertEqual(linux["cgroupsPath"] as? String, "/berth/abc")
        XCTAssertEqual((linux["maskedPaths"] as? [String])?.contains("/proc/kcore"), true)
        XCTAssertEqual((linux["readonlyPaths"] as? [String])?.contains("/proc/sys"), true)
        let namespace = try XCTUnwrap((linux["namespaces"] as? [[String: Any]])?.last)
        XCTAssertEqual(namespace["type"] as? String, "network")
        XCTAssertEqual(namespace["path"] as? String, "/proc/42/ns/net")
        let device = try XCTUnwrap((linux["devices"] as? [[String: Any]])?.first)
        XCTAssertEqual(device["fileMode"] as? Int, 0o666)
        let resources = try XCTUnwrap(linux["resources"] as? [String: Any])
        XCTAssertEqual((resources["memory"] as? [String: Any])?["swap"] as? Int, -1)
        XCTAssertEqual((resources["cpu"] as? [String: Any])?["quota"] as? Int, 50_000)
        XCTAssertEqual((resources["pids"] as? [String: Any])?["limit"] as? Int, 100)
    }

    func testAbsentOptionalsAreOmittedFromJSON() throws {
        let spec = OCI.Spec(process: OCI.Process(args: ["true"]), root: OCI.Root(path: "/r"))
        let json = try jsonObject(spec)
        XCTAssertEqual(Set(json.keys), ["ociVersion", "process", "root"])
        let process = try XCTUnwrap(json["process"] as? [String: Any])
        XCTAssertEqual(Set(process.keys), ["user", "args", "cwd"])
        XCTAssertEqual(Set(try XCTUnwrap(json["root"] as? [String: Any]).keys), ["path"])
    }

    /// Trimmed from the output of `runc spec`, so Berth reads what other tools write.
    func testDecodesRuncGeneratedConfig() throws {
        let text = """
        {
          "ociVersion": "1.0.2-dev",
          "process": {
            "terminal": true,
            "user": { "uid": 0, "gid": 0 },
            "args": [ "sh" ],
            "env": [ "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm" ],
            "cwd": "/",
            "capabilities": {
              "bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
              "effective": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
              "permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
              "ambient": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
            },
            "rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 } ],
            "noNewPrivileges": true
          },
          "root": { "path": "rootfs", "readonly": true },
          "hostname": "runc",
          "mounts": [
            { "destination": "/proc", "type": "proc", "source": "proc" },
            { "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
              "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] }
          ],
          "linux": {
            "resources": { "devices": [ { "allow": false, "access": "rwm" } ] },
            "namespaces": [ { "type": "pid" }, { "type": "network" }, { "type": "ipc" },
                            { "type": "uts" }, { "type": "mount" }, { "type": "cgroup" } ],
            "maskedPaths": [ "/proc/acpi", "/proc/kcore" ],
            "readonlyPaths": [ "/proc/bus", "/proc/sysrq-trigger" ]
          }
        }
        """
        let spec = try JSONDecoder().decode(OCI.Spec.self, from: Data(text.utf8))
        XCTAssertEqual(spec.ociVersion, "1.0.2-dev")
        XCTAssertEqual(spec.process?.capabilities?.ambient?.count, 3)
        XCTAssertNil(spec.process?.capabilities?.inheritable)
        XCTAssertEqual(spec.root, OCI.Root(path: "rootfs", readonly: true))
        XCTAssertEqual(spec.mounts?[1].options?.last, "size=65536k")
        XCTAssertNil(spec.mounts?[0].options)
        XCTAssertEqual(spec.linux?.namespaces?.map(\.type), [.pid, .network, .ipc, .uts, .mount, .cgroup])
        XCTAssertNil(spec.linux?.resources?.memory)
        XCTAssertEqual(spec.linux?.readonlyPaths, ["/proc/bus", "/proc/sysrq-trigger"])
    }

    func testUnknownNamespaceTypeIsRejected() {
        let text = #"{"ociVersion":"1.0.0","linux":{"namespaces":[{"type":"net"}]}}"#
        XCTAssertThrowsError(try JSONDecoder().decode(OCI.Spec.self, from: Data(text.utf8)))
    }
}
