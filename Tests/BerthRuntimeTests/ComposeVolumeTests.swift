import XCTest
@testable import BerthRuntime

/// Compose's `volumes:` (short and long syntax, top-level declarations, project-prefixed names)
/// as the parser turns them into `MountRequest`s, with the key path in every error.
final class ComposeVolumeTests: XCTestCase {
    private func parse(_ yaml: String) throws -> ComposeProject {
        var options = ComposeParser.Options(projectName: "shop", environment: ["HOME": "/home/u"])
        options.baseDirectory = "/srv/shop"
        return try ComposeParser.parse(yaml, options: options)
    }

    private func refused(_ yaml: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(yaml), file: file, line: line) { error in
            XCTAssertEqual("\(error)", message, file: file, line: line)
        }
    }

    func testShortSyntax() throws {
        let p = try parse("""
            services:
              web:
                image: busybox
                volumes:
                  - ./app:/app:ro
                  - ~/cache:/cache
                  - /abs:/abs:rslave,z
                  - data:/var/lib/data
                  - /scratch
            volumes:
              data:
            """)
        XCTAssertEqual(p.services[0].template.mounts, [
            MountRequest(kind: .bind, source: "/srv/shop/app", target: "/app", readOnly: true, createSource: true),
            MountRequest(kind: .bind, source: "/home/u/cache", target: "/cache", createSource: true),
            MountRequest(kind: .bind, source: "/abs", target: "/abs", propagation: .rslave, createSource: true),
            MountRequest(kind: .volume, source: "shop_data", target: "/var/lib/data"),
            MountRequest(kind: .volume, target: "/scratch"),
        ])
        XCTAssertEqual(p.volumes, [ComposeVolume(key: "data", name: "shop_data")])
    }

    func testLongSyntaxAndTopLevelOptions() throws {
        let p = try parse("""
            services:
              db:
                image: busybox
                volumes:
                  - type: volume
                    source: pg
                    target: /var/lib/pg
                    volume: {nocopy: true}
                  - type: bind
                    source: ./conf
                    target: /etc/conf
                    read_only: true
                    bind: {propagation: rprivate, create_host_path: true}
                  - type: tmpfs
                    target: /run
                    tmpfs: {size: 1m, mode: 1777}
                  - {type: volume, source: shared, target: /shared}
            volumes:
              pg: {labels: {tier: db}}
              shared: {external: true}
              named: {name: exact-name}
            """)
        XCTAssertEqual(p.services[0].template.mounts, [
            MountRequest(kind: .volume, source: "shop_pg", target: "/var/lib/pg", noCopy: true),
            MountRequest(kind: .bind, source: "/srv/shop/conf", target: "/etc/conf", readOnly: true, propagation: .rprivate, createSource: true),
            MountRequest(kind: .tmpfs, target: "/run", tmpfsOptions: ["size=1048576", "mode=1777"]),
            MountRequest(kind: .volume, source: "shared", target: "/shared"),
        ])
        XCTAssertEqual(p.volumes, [ComposeVolume(key: "named", name: "exact-name"), ComposeVolume(key: "pg", name: "shop_pg", labels: ["tier": "db"]),
                                   ComposeVolume(key: "shared", name: "shared", external: true)])
    }

    func testErrorsNameTheKey() {
        let head = "services:\n  web:\n    image: busybox\n    volumes:\n"
        refused(head + "      - data:/d\n", "services.web.volumes[0]: the volume 'data' is not declared in the top-level volumes:")
        refused(head + "      - ./x:../../proc\n", "services.web.volumes[0]: invalid mount target '../../proc': it must be an absolute path")
        refused(head + "      - {type: bind, target: /x}\n", "services.web.volumes[0].source: missing (a bind needs a host path)")
        refused(head + "      - {type: bind, source: /a, target: /x, bind: {propagation: rshared}}\n",
                "services.web.volumes[0].bind.propagation: rshared is not supported: mounts made inside a container never reach the host")
        refused(head + "      - {type: nfs, target: /x}\n", "services.web.volumes[0].type: expected bind, volume or tmpfs, not 'nfs'")
        refused(head + "      - {type: volume, source: v}\nvolumes:\n  v:\n", "services.web.volumes[0].target: missing")
        refused(head + "      - /a:/x\nvolumes:\n  ../up:\n", "volumes.../up: invalid volume name '../up': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        refused(head + "      - /a:/x\nvolumes:\n  v: {driver: nfs}\n", "volumes.v.driver: only the local driver exists")
    }
}
