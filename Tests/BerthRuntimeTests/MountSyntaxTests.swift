import BerthOCI
import Foundation
import BerthOS
import XCTest
@testable import BerthRuntime

/// docker's `-v`, `--mount` and `--tmpfs` spellings, the one target rule and how the user's mounts
/// join docker's defaults in the spec.
final class MountSyntaxTests: XCTestCase {
    private func refused(_ body: () throws -> Any, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(fragment), "\(text) does not say \(fragment)", file: file, line: line)
            XCTAssertFalse(text.contains("\n"), "not one line: \(text)", file: file, line: line)
        }
    }

    func testVolumeFlagBindWithModesAndNoOpSELinuxLabels() throws {
        XCTAssertEqual(try MountSyntax.volume("/srv/app:/app"),
                       MountRequest(kind: .bind, source: "/srv/app", target: "/app", createSource: true))
        let ro = try MountSyntax.volume("/srv/app:/app/./x/:ro,z")
        XCTAssertEqual(ro.target, "/app/x")
        XCTAssertTrue(ro.readOnly)
        XCTAssertEqual(try MountSyntax.volume("/a:/b:Z,rslave").propagation, .rslave)
        XCTAssertFalse(try MountSyntax.volume("/a:/b:rw").readOnly)
        refused({ try MountSyntax.volume("/a:/b:ro,rw") }, "more than one of ro and rw")
        refused({ try MountSyntax.volume("/a:/b:rshared") }, "not supported")
        refused({ try MountSyntax.volume("/a:/b:bogus") }, "unknown option 'bogus'")
        refused({ try MountSyntax.volume("/a:/b:nocopy") }, "nocopy applies to volumes")
        refused({ try MountSyntax.volume("./rel:/b") }, "must be absolute")
        refused({ try MountSyntax.volume("/a::/b") }, "expected [SOURCE:]TARGET[:OPTIONS]")
    }

    func testVolumeFlagNamedAndAnonymousVolumes() throws {
        XCTAssertEqual(try MountSyntax.volume("data:/var/lib/data"), MountRequest(kind: .volume, source: "data", target: "/var/lib/data"))
        XCTAssertEqual(try MountSyntax.volume("/cache"), MountRequest(kind: .volume, target: "/cache"))
        XCTAssertTrue(try MountSyntax.volume("data:/d:nocopy").noCopy)
        refused({ try MountSyntax.volume("x:/d") }, "invalid volume name") // docker: at least two characters
        refused({ try MountSyntax.volume("da..ta/x:/d") }, "must be absolute")
        refused({ try MountSyntax.volume("data:/d:rslave") }, "applies to host paths")
    }

    func testTargetsStayOutOfProcSysAndTheRoot() throws {
        XCTAssertEqual(MountTarget.clean("/a/../../b/./c/"), "/b/c")
        XCTAssertEqual(try MountTarget.validate("/x/../../etc/app"), "/etc/app")
        XCTAssertEqual(try MountTarget.validate("/process"), "/process")
        refused({ try MountTarget.validate("../../proc") }, "must be an absolute path")
        refused({ try MountTarget.validate("/x/../../proc") }, "/proc is the container's kernel filesystem")
        refused({ try MountTarget.validate("/sys/kernel") }, "/sys is the container's kernel filesystem")
        refused({ try MountTarget.validate("/a/..") }, "cannot mount over the container's root")
    }

    func testMountFlagKeys() throws {
        XCTAssertEqual(try MountSyntax.mount("type=bind,source=/srv,target=/srv,readonly,bind-propagation=rslave"),
                       MountRequest(kind: .bind, source: "/srv", target: "/srv", readOnly: true, propagation: .rslave))
        // --mount never creates a bind source (createSource false), unlike -v.
        XCTAssertFalse(try MountSyntax.mount("type=bind,src=/srv,dst=/srv").createSource)
        XCTAssertEqual(try MountSyntax.mount("src=data,dst=/d,ro=false"), MountRequest(kind: .volume, source: "data", target: "/d"))
        XCTAssertEqual(try MountSyntax.mount("type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770").tmpfsOptions,
                       ["size=1048576", "mode=1770"])
        refused({ try MountSyntax.mount("type=bind,src=/a") }, "a target (dst=PATH) is required")
        refused({ try MountSyntax.mount("type=bind,src=rel,dst=/a") }, "needs an absolute source")
        refused({ try MountSyntax.mount("type=nfs,dst=/a") }, "type must be bind, volume or tmpfs")
        refused({ try MountSyntax.mount("type=bind,src=/a,dst=/a,dst=/b") }, "given twice")
        refused({ try MountSyntax.mount("type=bind,src=/a,dst=/a,color=red") }, "unknown key 'color'")
        refused({ try MountSyntax.mount("type=tmpfs,src=x,dst=/a") }, "takes no source")
        refused({ try MountSyntax.mount("type=volume,dst=/a,bind-propagation=rslave") }, "applies to type=bind")
        refused({ try MountSyntax.mount("type=tmpfs,dst=/a,tmpfs-mode=999") }, "octal")
    }

    func testTmpfsFlagOptionsAreAllowListed() throws {
        XCTAssertEqual(try MountSyntax.tmpfs("/run:size=64m,mode=755,exec"),
                       MountRequest(kind: .tmpfs, target: "/run", tmpfsOptions: ["size=64m", "mode=755", "exec"]))
        XCTAssertEqual(try MountSyntax.tmpfs("/run").tmpfsOptions, [])
        refused({ try MountSyntax.tmpfs("/run:lowerdir=/etc") }, "unknown option 'lowerdir=/etc'")
        refused({ try MountSyntax.tmpfs("/run:size=1m;x") }, "unknown option")
        refused({ try MountSyntax.tmpfs("/proc/x") }, "kernel filesystem")
    }

    func testSpecMountsJoinTheDefaults() {
        let bind = MountSpec.oci(MountRequest(kind: .bind, source: "/srv", target: "/srv", readOnly: true), hostPath: "/srv")
        XCTAssertEqual(bind, OCI.Mount(destination: "/srv", type: "bind", source: "/srv", options: ["rbind", "rprivate", "ro"]))
        let tmp = MountSpec.oci(MountRequest(kind: .tmpfs, target: "/dev/shm", tmpfsOptions: ["exec"]), hostPath: "")
        XCTAssertEqual(tmp.options, ["nosuid", "nodev", "noexec", "exec"])
        let deep = MountSpec.oci(MountRequest(kind: .bind, source: "/a", target: "/srv/a/b"), hostPath: "/a")

        let merged = MountSpec.merge(defaults: DefaultSpec.mounts, user: [deep, bind, tmp], shmSize: 1 << 20)
        // The user's /dev/shm replaces docker's (no size from --shm-size then), parents come first.
        XCTAssertEqual(merged.filter { $0.destination == "/dev/shm" }, [tmp])
        XCTAssertEqual(merged.suffix(3).map(\.destination), ["/srv", "/dev/shm", "/srv/a/b"])
        let sized = MountSpec.merge(defaults: DefaultSpec.mounts, user: [], shmSize: 1 << 20)
        XCTAssertEqual(sized.first { $0.destination == "/dev/shm" }?.options?.filter { $0.hasPrefix("size=") }, ["size=1048576"])
    }

    func testStoredRequestsWithoutMountsStillLoad() throws {
        let old = #"{"image":"busybox","command":[]}"#
        let r = try JSONDecoder().decode(ContainerRequest.self, from: Data(old.utf8))
        XCTAssertEqual(r.mounts, [])
        XCTAssertFalse(r.readOnlyRoot)
        var withMounts = r
        withMounts.mounts = [try MountSyntax.volume("/a:/b:ro")]
        withMounts.readOnlyRoot = true
        withMounts.shmSize = 1 << 20
        let back = try JSONDecoder().decode(ContainerRequest.self, from: try JSONEncoder().encode(withMounts))
        XCTAssertEqual(back, withMounts)
    }
}
