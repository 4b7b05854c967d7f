import Foundation
import XCTest
import BerthTestSupport
@testable import BerthRuntime
#if canImport(Glibc)
import Glibc
#endif

/// A Debian minbase userland built by `debootstrap` (python3 and nginx-light), cached under
/// `/var/cache/berth-tests` (`BERTH_TEST_CACHE`) keyed by a hash of debootstrap's arguments, so it
/// is built once per machine and rebuilt when the inputs change. Built with the machine's Debian
/// mirror; a host without debootstrap or the mirror skips with the reason (fails under CI).
enum DebianRootfs {
    static let mirror = ProcessInfo.processInfo.environment["BERTH_DEBIAN_MIRROR"] ?? "http://deb.debian.org/debian"
    static let arguments = ["--variant=minbase", "--include=python3,nginx-light", "--arch=amd64", "bookworm"]
    static var cacheDirectory: String { ProcessInfo.processInfo.environment["BERTH_TEST_CACHE"] ?? "/var/cache/berth-tests" }
    /// What the tarball is made of: a change to any input names a new file.
    static var key: String {
        String(Digest.of(Array((["debootstrap"] + arguments + [mirror]).joined(separator: " ").utf8)).hex.prefix(16))
    }
    static var tarball: String { cacheDirectory + "/debian-minbase-\(key).tar" }

    /// The cached tarball, built first when missing (minutes; written to a temporary name and
    /// renamed, so a killed build leaves no half tarball under the final name).
    static func make(_ test: XCTestCase) throws -> String {
        if FileManager.default.fileExists(atPath: tarball) { return tarball }
        let debootstrap = try Prerequisite.requireTool("debootstrap")
        let tar = try Prerequisite.requireTool("tar")
        let scratch = try scratchDirectory(test, "debian")
        let root = scratch + "/rootfs"
        let built = Subprocess.run(debootstrap, arguments + [root, mirror], timeout: 3600)
        try Prerequisite.require(built.status == 0, "debootstrap could not build the Debian fixture from \(mirror): "
                                 + String(built.stderr.suffix(400)) + String(built.stdout.suffix(400)))
        try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        let partial = tarball + ".partial-\(getpid())"
        let packed = Subprocess.run(tar, ["--numeric-owner", "-C", root, "-cf", partial, "."], timeout: 600)
        guard packed.status == 0, rename(partial, tarball) == 0 else {
            unlink(partial)
            throw NSError(domain: "DebianRootfs", code: 1, userInfo: [NSLocalizedDescriptionKey: "tar failed: \(packed.stderr)"])
        }
        return tarball
    }
}

/// The issue's scenario with a real userland: nginx in front of a python app (two replicas, its
/// code bind-mounted from the host, a named volume for data, a healthcheck) and a worker, ordered
/// by `depends_on: service_healthy`; served through nginx on a published port, the volume's data
/// kept across `down` + `up`, removed by `down -v`.
final class DebianComposeTests: ContainerTestCase {
    override class var rootLabel: String { "debian" }

    static let app = #"""
        import http.server, os, socket
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/health":
                    body = b"ok"
                else:
                    path = "/data/hits"
                    n = int(open(path).read()) + 1 if os.path.exists(path) else 1
                    with open(path + ".tmp", "w") as f:
                        f.write(str(n))
                    os.rename(path + ".tmp", path)
                    body = ("hits=%d from %s\n" % (n, socket.gethostname())).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("0.0.0.0", 8000), H).serve_forever()
        """#

    static let worker = #"""
        import socket, time
        open("/data/worker-" + socket.gethostname(), "w").write("here")
        while True:
            time.sleep(60)
        """#

    static let nginx = """
        worker_processes 1;
        error_log stderr;
        pid /tmp/nginx.pid;
        events {}
        http {
            access_log off;
            client_body_temp_path /tmp/cb; proxy_temp_path /tmp/px; fastcgi_temp_path /tmp/fc;
            uwsgi_temp_path /tmp/uw; scgi_temp_path /tmp/sc;
            server { listen 8080; location / { proxy_pass http://app:8000; } }
        }
        """

    static func compose(port: Int) -> String {
        """
        name: shop
        services:
          app:
            image: debian-app:test
            command: ["python3", "/app/app.py"]
            deploy: {replicas: 2}
            stop_grace_period: 1s
            volumes: ["./app:/app:ro", "data:/data"]
            healthcheck:
              test: ["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"]
              interval: 1s
              start_period: 60s
              start_interval: 200ms
          web:
            image: debian-app:test
            command: ["nginx", "-g", "daemon off;", "-c", "/conf/nginx.conf"]
            stop_grace_period: 1s
            ports: ["127.0.0.1:\(port):8080"]
            volumes: ["./conf:/conf:ro"]
            depends_on: {app: {condition: service_healthy}}
          worker:
            image: debian-app:test
            command: ["python3", "/app/worker.py"]
            stop_grace_period: 1s
            volumes: ["./app:/app:ro", "data:/data"]
            depends_on: {app: {condition: service_healthy}}
        volumes:
          data: {}
        """
    }

    /// GET through nginx on the host's published port, with python's urllib (the fixture needs python3 anyway).
    private func get(_ port: Int) -> String? {
        let python = Prerequisite.find("python3") ?? "/usr/bin/python3"
        let r = Subprocess.run(python, ["-c", "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:\(port)/', timeout=5).read().decode())"], timeout: 20)
        return r.status == 0 ? r.stdout : nil
    }

    func testNginxPythonWorkerWithHealthcheckVolumeAndBindMount() throws {
        try Prerequisite.requireTool("python3")
        let tarball = try DebianRootfs.make(self)
        let cli = self.cli
        addTeardownBlock {
            cli.run(["down", "-p", "shop", "-v", "-t", "1"], timeout: 120)
            cli.run(["image", "rm", "-f", "debian-app:test"]); cli.run(["image", "prune"])
        }
        let imported = cli.run(["image", "import", tarball, "--name", "debian-app:test"], timeout: 600)
        XCTAssertEqual(imported.status, 0, imported.stderr)

        let dir = try scratchDirectory(self, "debian-project")
        for sub in ["app", "conf"] { try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
        try Self.app.write(toFile: dir + "/app/app.py", atomically: true, encoding: .utf8)
        try Self.worker.write(toFile: dir + "/app/worker.py", atomically: true, encoding: .utf8)
        try Self.nginx.write(toFile: dir + "/conf/nginx.conf", atomically: true, encoding: .utf8)
        let port = 20000 + Int(getpid() % 10000)
        try Self.compose(port: port).write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)

        let up = cli.run(["up", "-d", "-f", dir + "/compose.yaml"], timeout: 300)
        XCTAssertEqual(up.status, 0, up.stdout + up.stderr)
        XCTAssertEqual(cli.run(["inspect", "-f", "{{.State.Health.Status}}", "app-1"]).stdout, "healthy\n")
        XCTAssertEqual(cli.run(["inspect", "-f", "{{.State.Health.Status}}", "app-2"]).stdout, "healthy\n")
        var first: String?
        XCTAssertTrue(cli.eventually(timeout: 30) { first = get(port); return first != nil }, "nginx answers on \(port)")
        XCTAssertTrue(first?.hasPrefix("hits=1 from app-") == true, first ?? "")
        XCTAssertTrue(get(port)?.hasPrefix("hits=2 from app-") == true)
        XCTAssertTrue(cli.eventually(timeout: 30) { cli.run(["exec", "worker-1", "cat", "/data/worker-worker-1"]).stdout == "here" },
                      "the worker shares the volume")

        let down = cli.run(["down", "-f", dir + "/compose.yaml", "-t", "1"], timeout: 120)
        XCTAssertEqual(down.status, 0, down.stderr)
        XCTAssertTrue(cli.run(["volume", "ls", "-q"]).stdout.contains("shop_data"), "down keeps the named volume")
        let again = cli.run(["up", "-d", "-f", dir + "/compose.yaml"], timeout: 300)
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        var third: String?
        XCTAssertTrue(cli.eventually(timeout: 30) { third = get(port); return third != nil })
        XCTAssertTrue(third?.hasPrefix("hits=3 from app-") == true, "the count survived down + up: \(third ?? "")")

        let gone = cli.run(["down", "-v", "-f", dir + "/compose.yaml", "-t", "1"], timeout: 120)
        XCTAssertEqual(gone.status, 0, gone.stderr)
        XCTAssertFalse(cli.run(["volume", "ls", "-q"]).stdout.contains("shop_data"), "down -v removes it")
    }
}
