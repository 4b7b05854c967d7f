import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private registry for one test class: Debian's `docker-registry` (the distribution project's
/// server) on 127.0.0.1 and a free port, its storage, config, htpasswd file and certificates in a
/// directory of its own; stopped by PID and the directory removed by `stop`. Or a Python helper of
/// the test's own (`TestRegistries.python`): a proxy that flips a byte of every blob, or a fake
/// registry that serves hostile manifests.
final class TestRegistry {
    let directory: String
    let port: Int
    private(set) var process: Process?
    let logPath: String

    var address: String { "127.0.0.1:\(port)" }

    enum Auth {
        case none
        case htpasswd(user: String, password: String)
        /// The registry's `auth: token`: tokens from `realm`, signed by the key of `certificate`.
        case token(realm: String, certificate: String)
    }

    /// A port the kernel just gave out and took back (bind to :0): free unless another process
    /// grabs it in the moment before the server binds it.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    private init(directory: String, port: Int) {
        self.directory = directory
        self.port = port
        logPath = directory + "/server.log"
    }

    /// Starts `docker-registry serve` with `auth`, and TLS from `tls` (certificate, key) if given.
    /// `accessLog`: one line per request in `logPath` (`"PATCH /v2/… HTTP/1.1" 202`), to count them.
    static func start(label: String, auth: Auth = .none, tls: (cert: String, key: String)? = nil, accessLog: Bool = false) throws -> TestRegistry {
        let dir = "/var/tmp/berth-test-registry-\(label)-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        let registry = TestRegistry(directory: dir, port: freePort())
        var config = """
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: \(!accessLog)
            storage:
              filesystem:
                rootdirectory: \(dir)/data
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(registry.port)
              secret: berth-test-\(label)

            """
        if let tls {
            config += "  tls:\n    certificate: \(tls.cert)\n    key: \(tls.key)\n"
        }
        if case .htpasswd(let user, let password) = auth {
            let r = ImageFixtures.shell(["/usr/bin/htpasswd", "-Bbn", user, password])
            guard r.status == 0 else { throw registry.failure("htpasswd failed: \(r.output)") }
            try r.output.trimmingCharacters(in: .whitespacesAndNewlines).appending("\n").write(toFile: dir + "/htpasswd", atomically: true, encoding: .utf8)
            config += "auth:\n  htpasswd:\n    realm: berth-test\n    path: \(dir)/htpasswd\n"
        }
        if case .token(let realm, let certificate) = auth {
            config += "auth:\n  token:\n    realm: \(realm)\n    service: berth-test\n    issuer: berth-test-issuer\n    rootcertbundle: \(certificate)\n"
        }
        try config.write(toFile: dir + "/config.yml", atomically: true, encoding: .utf8)
        try registry.launch("/usr/bin/docker-registry", ["serve", dir + "/config.yml"])
        return registry
    }

    /// Starts `python3 SCRIPT PORT ARGS…` (a proxy or a fake registry) the same way.
    static func python(label: String, script: String, arguments: [String]) throws -> TestRegistry {
        let dir = "/var/tmp/berth-test-registry-\(label)-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let server = TestRegistry(directory: dir, port: freePort())
        try script.write(toFile: dir + "/server.py", atomically: true, encoding: .utf8)
        try server.launch("/usr/bin/python3", [dir + "/server.py", String(server.port)] + arguments)
        return server
    }

    private func failure(_ message: String) -> NSError {
        NSError(domain: "registry", code: 1, userInfo: [NSLocalizedDescriptionKey: message])
    }

    private func launch(_ path: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)
        p.standardOutput = log
        p.standardError = log
        p.standardInput = FileHandle.nullDevice
        try p.run()
        process = p
        // Ready when it accepts connections (no HTTP request: a TLS server would log it as an error).
        for _ in 0..<200 {
            if Self.accepts(port) { return }
            if !p.isRunning { break }
            usleep(50_000)
        }
        let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        stop()
        throw failure("\(path) did not start on port \(port): \(output)")
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// Stops the server by its PID and removes its directory.
    func stop() {
        if let p = process, p.isRunning {
            kill(p.processIdentifier, SIGTERM)
            for _ in 0..<100 where p.isRunning { usleep(50_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
        }
        process = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A CA and a server certificate for 127.0.0.1 made with openssl in `dir`; returns the paths.
    static func makeCertificates(in dir: String, name: String) throws -> (ca: String, cert: String, key: String) {
        let script = """
            set -eu
            cd "$1"
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=berth test CA $2" -keyout $2-ca.key -out $2-ca.crt 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout $2.key -out $2.csr 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > $2.ext
            openssl x509 -req -in $2.csr -CA $2-ca.crt -CAkey $2-ca.key -CAcreateserial -days 2 -extfile $2.ext -out $2.crt 2>/dev/null
            """
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let r = ImageFixtures.shell(["/bin/sh", "-c", script, "sh", dir, name])
        guard r.status == 0 else {
            throw NSError(domain: "registry", code: 1, userInfo: [NSLocalizedDescriptionKey: "openssl failed: \(r.output)"])
        }
        return (dir + "/\(name)-ca.crt", dir + "/\(name).crt", dir + "/\(name).key")
    }
}

enum TestRegistries {
    /// `server.py PORT UPSTREAM_PORT [stall|count]`: forwards every request to the registry on
    /// UPSTREAM_PORT and flips one byte in the middle of every blob it returns; with `stall`, it
    /// sends the first half of each blob unchanged and then nothing more for a minute (a pull to
    /// kill mid-layer); with `count`, it changes nothing and logs `PATH STATUS BYTES` for each blob
    /// GET to `count.log` beside this script (what a resumed pull fetched).
    static let corruptingProxy = #"""
        import http.client, os, sys
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        port, upstream = int(sys.argv[1]), int(sys.argv[2])
        mode = sys.argv[3] if len(sys.argv) > 3 else "corrupt"
        stall, count = mode == "stall", mode == "count"
        log = os.path.join(os.path.dirname(os.path.abspath(__file__)), "count.log")
        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *a): pass
            def forward(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                c = http.client.HTTPConnection("127.0.0.1", upstream)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                c.request(self.command, self.path, body=body, headers=headers)
                r = c.getresponse()
                data = r.read()
                if count and self.command == "GET" and "/blobs/sha256:" in self.path:
                    with open(log, "a") as f: f.write(f"{self.path} {r.status} {len(data)}\n")
                blob = self.command == "GET" and "/blobs/sha256:" in self.path and r.status == 200 and data and not count
                if blob and stall and len(data) > 4096:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2]); self.wfile.flush()
                    import time; time.sleep(60)
                    return
                if blob and not stall:
                    b = bytearray(data); b[len(b) // 2] ^= 0x01; data = bytes(b)
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD": self.wfile.write(data)
            do_GET = do_HEAD = do_POST = do_PUT = forward
        ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
        """#

    /// `server.py PORT UPSTREAM_PORT STORAGE_PORT USER PASSWORD`: the registry on UPSTREAM_PORT behind
    /// HTTP basic auth, whose blob GETs answer `307` to a "storage service" on STORAGE_PORT (another
    /// origin), as a registry on S3 does. The storage service refuses (403) any request that
    /// carries an `Authorization` header and logs each blob it serves to `storage.log` beside this
    /// script.
    static let redirectingRegistry = #"""
        import base64, http.client, os, sys, threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        port, upstream, storage, user, password = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
        log = os.path.join(os.path.dirname(os.path.abspath(__file__)), "storage.log")
        def relay(h, extra=None):
            n = int(h.headers.get("Content-Length") or 0)
            body = h.rfile.read(n) if n else None
            c = http.client.HTTPConnection("127.0.0.1", upstream)
            headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "authorization")}
            c.request(h.command, h.path, body=body, headers=headers)
            r = c.getresponse(); data = r.read()
            h.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("content-length", "transfer-encoding", "connection"): h.send_header(k, v)
            h.send_header("Content-Length", str(len(data))); h.end_headers()
            if h.command != "HEAD": h.wfile.write(data)
        def reply(h, status, body=b"", headers=()):
            h.send_response(status)
            for k, v in headers: h.send_header(k, v)
            h.send_header("Content-Length", str(len(body))); h.end_headers()
            if h.command != "HEAD": h.wfile.write(body)
        class Front(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *a): pass
            def handle_one(self):
                want = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
                if self.headers.get("Authorization") != want:
                    return reply(self, 401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', [("WWW-Authenticate", 'Basic realm="berth-test"')])
                if self.command == "GET" and "/blobs/sha256:" in self.path:
                    return reply(self, 307, headers=[("Location", f"http://127.0.0.1:{storage}{self.path}")])
                relay(self)
            do_GET = do_HEAD = do_POST = do_PUT = handle_one
        class Storage(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *a): pass
            def do_GET(self):
                if self.headers.get("Authorization"):
                    return reply(self, 403, b'{"errors":[{"code":"DENIED","message":"the storage service got credentials"}]}')
                with open(log, "a") as f: f.write(self.path + "\n")
                relay(self)
        threading.Thread(target=ThreadingHTTPServer(("127.0.0.1", storage), Storage).serve_forever, daemon=True).start()
        ThreadingHTTPServer(("127.0.0.1", port), Front).serve_forever()
        """#

    /// `server.py PORT KEY CERT USER PASSWORD [REFRESH]`: a token issuer for the registry's `auth:
    /// token`. A GET must carry HTTP basic credentials; a POST is the OAuth2 form with
    /// `grant_type=refresh_token` and the identity token REFRESH. Either returns a JWT (RS256,
    /// signed with `openssl dgst`, the certificate in `x5c`) granting the requested scopes; the
    /// registry verifies it.
    static let tokenIssuer = #"""
        import base64, json, os, subprocess, sys, time, urllib.parse
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        port, key, cert, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
        refresh = sys.argv[6] if len(sys.argv) > 6 else None
        der = "".join(l.strip() for l in open(cert) if not l.startswith("-----"))
        def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *a): pass
            def refuse(self):
                body = b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}'
                self.send_response(401); self.send_header("Content-Length", str(len(body))); self.end_headers()
                self.wfile.write(body)
            def issue(self, scopes, service):
                access = []
                for scope in scopes:
                    kind, name, actions = scope.split(":")
                    access.append({"type": kind, "name": name, "actions": actions.split(",")})
                now = int(time.time())
                claims = {"iss": "berth-test-issuer", "sub": user, "aud": service, "exp": now + 300,
                          "nbf": now - 10, "iat": now, "jti": os.urandom(8).hex(), "access": access}
                head = {"typ": "JWT", "alg": "RS256", "x5c": [der]}
                signing = b64(json.dumps(head).encode()) + "." + b64(json.dumps(claims).encode())
                sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing.encode(), capture_output=True, check=True).stdout
                token = signing + "." + b64(sig)
                body = json.dumps({"token": token, "access_token": token, "expires_in": 300}).encode()
                self.send_response(200); self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body))); self.end_headers()
                self.wfile.write(body)
            def do_GET(self):
                want = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
                if self.headers.get("Authorization") != want: return self.refuse()
                q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                self.issue(q.get("scope", []), q.get("service", [""])[0])
            def do_POST(self):
                form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode())
                if refresh is None or self.headers.get("Authorization") or form.get("grant_type") != ["refresh_token"] \
                        or form.get("refresh_token") != [refresh] or form.get("client_id") != ["berth"]:
                    return self.refuse()
                self.issue(" ".join(form.get("scope", [])).split(), form.get("service", [""])[0])
        ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
        """#

    /// `server.py PORT`: a registry that answers `/v2/` and serves hostile manifests:
    /// `bad/type:latest` (a layer media type with an escape sequence), `bad/digest:latest` (a layer
    /// digest that is a path), `bad/escape:latest` (a 404 whose error message holds escapes).
    static let hostileRegistry = #"""
        import json, sys
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        port = int(sys.argv[1])
        cfg = "sha256:" + "a" * 64
        def manifest(layer):
            return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg, "size": 2},
                "layers": [layer]}).encode()
        pages = {
            "/v2/bad/type/manifests/latest": manifest({"mediaType": "application/x-evil\u001b[31m", "digest": "sha256:" + "b" * 64, "size": 1}),
            "/v2/bad/digest/manifests/latest": manifest({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:../../../etc/passwd", "size": 1}),
        }
        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *a): pass
            def send(self, status, body, ctype="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD": self.wfile.write(body)
            def do_GET(self):
                if self.path == "/v2/": return self.send(200, b"{}")
                if self.path in pages: return self.send(200, pages[self.path], "application/vnd.oci.image.manifest.v1+json")
                msg = "no such thing\u001b]0;pwned\u0007\u001b[2J\nsecond line"
                self.send(404, json.dumps({"errors": [{"code": "MANIFEST_UNKNOWN", "message": msg}]}).encode())
            do_HEAD = do_GET
        ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
        """#

    /// `server.py PORT`: a registry that takes pushes and answers an upload badly, by repository:
    /// `away/…` opens uploads at another host, `patchaway/…` sends chunks on to another host,
    /// `nolocation/…` answers a chunk 202 without a `Location`. Every request is logged on stdout
    /// (the server's log), so a test sees that nothing reached `/elsewhere`.
    static let hostileUploads = #"""
        import sys
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        port = int(sys.argv[1])
        away = "http://127.0.0.2:%d/elsewhere/upload" % port
        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *a): pass
            def answer(self, status, headers={}):
                print(self.command, self.path, flush=True)
                n = int(self.headers.get("Content-Length") or 0)
                if n: self.rfile.read(n)
                self.send_response(status)
                for k, v in headers.items(): self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()
            def repo(self): return self.path.split("/")[2] if self.path.startswith("/v2/") and self.path.count("/") > 2 else ""
            def do_GET(self): self.answer(200 if self.path == "/v2/" else 404)
            def do_HEAD(self): self.answer(404)
            def do_POST(self):
                self.answer(202, {"Location": away if self.repo() == "away" else "/v2/%s/img/blobs/uploads/s1" % self.repo()})
            def do_PATCH(self):
                if self.repo() == "patchaway": return self.answer(202, {"Location": away, "Range": "0-1"})
                if self.repo() == "nolocation": return self.answer(202, {"Range": "0-1"})
                self.answer(202, {"Location": self.path})
            def do_PUT(self): self.answer(201)
        ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
        """#

    /// `server.py PORT UPSTREAM_PORT`: the registry on UPSTREAM_PORT, its `Host` kept (so its upload
    /// locations name this proxy). The client is told `416` for the second PATCH it sends, which
    /// never reaches the registry, and for the fourth, which does (an answer lost after the
    /// registry took the chunk); the seventh reaches it too and is answered 502 (the client's retry
    /// then carries a stale location). Each request is logged as `METHOD PATH STATUS` on stdout.
    static let chunkLosingProxy = #"""
        import http.client, sys, threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        port, upstream = int(sys.argv[1]), int(sys.argv[2])
        patches, lock = [0], threading.Lock()
        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *a): pass
            def forward(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                nth = 0
                if self.command == "PATCH":
                    with lock: patches[0] += 1; nth = patches[0]
                    if nth == 2:
                        print(self.command, self.path, 416, flush=True)
                        self.send_response(416); self.send_header("Content-Length", "0"); self.end_headers()
                        return
                c = http.client.HTTPConnection("127.0.0.1", upstream)
                c.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
                r = c.getresponse(); data = r.read()
                status, headers = r.status, r.getheaders()
                if self.command == "PATCH" and nth == 4: status, headers, data = 416, [], b""
                if self.command == "PATCH" and nth == 7: status, headers, data = 502, [], b""
                print(self.command, self.path, status, flush=True)
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"): self.send_header(k, v)
                self.send_header("Content-Length", str(len(data))); self.end_headers()
                if self.command != "HEAD": self.wfile.write(data)
            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = forward
        ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
        """#
}
