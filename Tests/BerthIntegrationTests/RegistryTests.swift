import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `berth pull/push/login/logout` against real registries (docs/registries.md): Debian's
/// `docker-registry` on 127.0.0.1 in plain HTTP, with htpasswd basic auth, and with TLS from a CA
/// the test makes; the umoci/skopeo fixture image put there by `skopeo copy`; a Python proxy that
/// corrupts blobs and a Python fake registry that serves hostile manifests. No mocks of Berth.
final class RegistryTests: ContainerTestCase {
    override class var rootLabel: String { "reg" }
    nonisolated(unsafe) static var fixtures: ImageFixtures.Set?
    nonisolated(unsafe) static var plain: TestRegistry?
    nonisolated(unsafe) static var problem = "not started"
    static let tools = ["umoci", "skopeo", "python3", "docker-registry", "htpasswd", "openssl"]

    /// Per test: the user's config directory (credentials, certs.d) and docker's, both private.
    var configHome = ""

    override class func setUp() {
        super.setUp()
        guard getuid() == 0, tools.allSatisfy({ Prerequisite.find($0) != nil }) else { return }
        do {
            let fx = try ImageFixtures.make(label: "registry")
            fixtures = fx
            let registry = try TestRegistry.start(label: "plain")
            plain = registry
            let r = ImageFixtures.shell(["/usr/bin/skopeo", "copy", "--quiet", "--dest-tls-verify=false",
                                         "oci:\(fx.ociLayout):img", "docker://\(registry.address)/fixture/img:v1"])
            if r.status != 0 { problem = "skopeo copy to the registry failed: \(r.output)"; plain?.stop(); plain = nil }
        } catch { problem = "\(error)" }
    }

    override class func tearDown() {
        plain?.stop()
        ImageFixtures.remove(fixtures)
        super.tearDown()
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        for tool in Self.tools { try Prerequisite.requireTool(tool) }
        guard Self.plain != nil, Self.fixtures != nil else {
            throw NSError(domain: "registry", code: 1, userInfo: [NSLocalizedDescriptionKey: "could not start the test registry: \(Self.problem)"])
        }
        configHome = "/var/tmp/berth-test-regcfg-\(getpid())"
        try? FileManager.default.removeItem(atPath: configHome)
        try FileManager.default.createDirectory(atPath: configHome + "/docker", withIntermediateDirectories: true)
        setenv("XDG_CONFIG_HOME", configHome, 1)
        setenv("DOCKER_CONFIG", configHome + "/docker", 1)
    }

    override func tearDown() {
        unsetenv("XDG_CONFIG_HOME")
        unsetenv("DOCKER_CONFIG")
        try? FileManager.default.removeItem(atPath: configHome)
        super.tearDown()
    }

    var registry: TestRegistry { Self.plain! }

    /// One line on stderr, no escape or other control character in it.
    func assertOneLine(_ r: BerthCLI.Result, status: Int32, contains: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, r.both, file: file, line: line)
        let err = r.stderr.trimmingCharacters(in: .newlines)
        XCTAssertFalse(err.contains("\n"), "more than one line: \(err.debugDescription)", file: file, line: line)
        XCTAssertFalse(err.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "control character: \(err.debugDescription)", file: file, line: line)
        XCTAssertTrue(err.hasPrefix("berth: "), err, file: file, line: line)
        XCTAssertTrue(err.contains(contains), "\(err) lacks \(contains)", file: file, line: line)
    }

    func skopeoDigest(_ ref: String, creds: String? = nil, tls: Bool = false) -> String {
        var args = ["/usr/bin/skopeo", "inspect", "--format", "{{.Digest}}"]
        args += tls ? ["--cert-dir", configHome + "/berth/certs.d/" + registry.address] : ["--tls-verify=false"]
        if let creds { args += ["--creds", creds] }
        let r = ImageFixtures.shell(args + ["docker://\(ref)"])
        return r.status == 0 ? r.output.trimmingCharacters(in: .whitespacesAndNewlines) : "skopeo failed: \(r.output)"
    }

    /// `sha256:` of the config blob the registry holds for `ref`: the image id a pull gives.
    func registryConfigID(_ ref: String) -> String {
        let r = ImageFixtures.shell(["/bin/sh", "-c", "/usr/bin/skopeo inspect --config --raw --tls-verify=false 'docker://\(ref)' | sha256sum"])
        guard r.status == 0, let hex = r.output.split(separator: " ").first, hex.count == 64 else { return "skopeo failed: \(r.output)" }
        return "sha256:" + hex
    }

    /// What pulls left in the store's `tmp/`, but the partial layers a failed pull keeps for the
    /// next one to resume (`partialBlobs`).
    func stagingEntries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/tmp")) ?? []).filter { !$0.hasPrefix(".partial-") }
    }

    /// The kept partial layers: digest hex → bytes kept.
    func partialBlobs() -> [String: Int] {
        var found: [String: Int] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/tmp")) ?? [] where name.hasPrefix(".partial-") {
            let size = (try? FileManager.default.attributesOfItem(atPath: Self.root.path + "/tmp/" + name)[.size] as? Int) ?? 0
            found[String(name.dropFirst(".partial-".count))] = size
        }
        return found
    }

    /// Removes `refs` and the layers nothing else uses, so a test sees every layer downloaded
    /// whatever the class's earlier tests pulled.
    func forget(_ refs: [String]) {
        for ref in refs { cli.run(["rmi", ref]) }
        XCTAssertEqual(cli.run(["image", "prune", "-f"]).status, 0)
    }

    func testPullRunPushAndPullBackWithTheSameDigest() throws {
        let ref = "\(registry.address)/fixture/img:v1"
        forget([ref])
        let first = cli.run(["pull", ref], timeout: 120)
        XCTAssertEqual(first.status, 0, first.both)
        XCTAssertTrue(first.stdout.contains("Pull complete"), first.stdout)
        XCTAssertTrue(first.stdout.contains("Digest: \(skopeoDigest(ref))"), first.stdout)
        let run = cli.run(["run", "--rm", ref, "sh", "-c", "cat /data/keep/file; ls /opq; echo $GREETING"])
        XCTAssertEqual(run.status, 0, run.both)
        XCTAssertEqual(run.stdout, "keep\nnew\nhello\n")
        XCTAssertEqual(stagingEntries(), [], "the pull left staging behind")

        // Again: every layer is in the store, none is fetched.
        let again = cli.run(["pull", ref], timeout: 120)
        XCTAssertEqual(again.status, 0, again.both)
        XCTAssertTrue(again.stdout.contains("Already exists"), again.stdout)
        XCTAssertFalse(again.stdout.contains("Pull complete"), again.stdout)

        // Push under a new name, compare with skopeo, then remove it locally and pull it back.
        let back = "\(registry.address)/fixture/back:v2"
        XCTAssertEqual(cli.run(["tag", ref, back]).status, 0)
        let push = cli.run(["push", "-q", back], timeout: 120)
        XCTAssertEqual(push.status, 0, push.both)
        let pushed = push.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(pushed.hasPrefix("sha256:"), push.both)
        XCTAssertEqual(skopeoDigest(back), pushed)
        // A second push finds every blob there (HEAD) and uploads none.
        let repush = cli.run(["push", back], timeout: 120)
        XCTAssertEqual(repush.status, 0, repush.both)
        XCTAssertTrue(repush.stdout.contains("Layer already exists"), repush.stdout)
        XCTAssertFalse(repush.stdout.contains("Pushed"), repush.stdout)
        // Under a third name: every blob is in fixture/back, which the image is also known by,
        // so the registry mounts them (no upload) and the manifest digest is the same.
        let third = "\(registry.address)/fixture/third:v3"
        XCTAssertEqual(cli.run(["tag", ref, third]).status, 0)
        let mounted = cli.run(["push", third], timeout: 120)
        XCTAssertEqual(mounted.status, 0, mounted.both)
        XCTAssertTrue(mounted.stdout.contains("Mounted from fixture/back"), mounted.stdout)
        XCTAssertFalse(mounted.stdout.contains("Pushing"), mounted.stdout)
        XCTAssertEqual(skopeoDigest(third), pushed)
        XCTAssertEqual(cli.run(["rmi", third]).status, 0)

        XCTAssertEqual(cli.run(["rmi", back]).status, 0)
        let pulledBack = cli.run(["pull", back], timeout: 120)
        XCTAssertEqual(pulledBack.status, 0, pulledBack.both)
        XCTAssertTrue(pulledBack.stdout.contains("Digest: \(pushed)"), pulledBack.stdout)
        // The id is the digest of the config the registry holds. (Not the umoci image's id: Berth
        // writes umoci's layers back in its own canonical tar bytes, so they get new DiffIDs and
        // the pushed image a new config — docs/images.md, "Same id after save and load".) Pushed
        // again, the pulled-back image keeps its config and its layers' DiffIDs (a whiteout's time
        // included): the same manifest digest.
        let backID = cli.run(["images", "-q", "--no-trunc", back]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(backID, registryConfigID(back))
        let again2 = cli.run(["push", "-q", back], timeout: 120)
        XCTAssertEqual(again2.stdout.trimmingCharacters(in: .whitespacesAndNewlines), pushed, again2.both)

        // By digest, and `run --pull missing` of an image the store lacks.
        let byDigest = cli.run(["pull", "\(registry.address)/fixture/back@\(pushed)"], timeout: 120)
        XCTAssertEqual(byDigest.status, 0, byDigest.both)
        XCTAssertEqual(cli.run(["rmi", ref]).status, 0)
        let runPull = cli.run(["run", "--rm", ref, "cat", "/data/keep/file"], timeout: 120)
        XCTAssertEqual(runPull.status, 0, runPull.both)
        XCTAssertEqual(runPull.stdout, "keep\n", "pull progress must go to stderr")
        XCTAssertTrue(runPull.stderr.contains("Pull complete"), runPull.stderr)
        // -q: the pull says nothing, on either stream.
        XCTAssertEqual(cli.run(["rmi", ref]).status, 0)
        let quietPull = cli.run(["run", "--rm", "-q", ref, "cat", "/data/keep/file"], timeout: 120)
        XCTAssertEqual(quietPull.stdout, "keep\n", quietPull.stderr)
        XCTAssertEqual(quietPull.stderr, "")
        let missing = cli.run(["run", "--rm", "\(registry.address)/fixture/none:v1", "true"])
        assertOneLine(missing, status: 125, contains: "no such image: \(registry.address)/fixture/none:v1 (pulling it failed: ")
        let never = cli.run(["run", "--rm", "--pull", "never", "\(registry.address)/fixture/none:v1", "true"])
        XCTAssertEqual(never.status, 125, never.both)
    }

    func testMissingRepositoryTagAndBadReferencesAreOneLineErrors() {
        assertOneLine(cli.run(["pull", "\(registry.address)/fixture/nope:v1"]), status: 1, contains: "UNKNOWN")
        assertOneLine(cli.run(["pull", "\(registry.address)/fixture/img:nope"]), status: 1, contains: "MANIFEST_UNKNOWN")
        assertOneLine(cli.run(["pull", "Bad//Name"]), status: 125, contains: "invalid")
        assertOneLine(cli.run(["pull", "\(registry.address)/x@sha256:1234"]), status: 125, contains: "digest")
        assertOneLine(cli.run(["push", "\(registry.address)/not/local:v1"]), status: 125, contains: "no such image")
        // Nothing listens there: a connection error after the retries.
        assertOneLine(cli.run(["pull", "127.0.0.1:1/x:v1"], timeout: 120), status: 1, contains: "cannot reach")
        XCTAssertEqual(stagingEntries(), [])
    }

    func testBasicAuthLoginStoresCredentialsAndLogoutForgetsThem() throws {
        let secured = try TestRegistry.start(label: "basic", auth: .htpasswd(user: "alice", password: "s3cret"))
        defer { secured.stop() }
        let fx = Self.fixtures!
        let copy = ImageFixtures.shell(["/usr/bin/skopeo", "copy", "--quiet", "--dest-tls-verify=false", "--dest-creds", "alice:s3cret",
                                        "oci:\(fx.ociLayout):img", "docker://\(secured.address)/team/app:1"])
        XCTAssertEqual(copy.status, 0, copy.output)
        let ref = "\(secured.address)/team/app:1"
        assertOneLine(cli.run(["pull", ref]), status: 1, contains: "unauthorized")
        assertOneLine(cli.run(["login", "-u", "alice", "-p", "wrong", secured.address]), status: 1, contains: "incorrect username or password")
        XCTAssertFalse(FileManager.default.fileExists(atPath: configHome + "/berth/auth.json"), "a failed login stored credentials")
        let login = cli.run(["login", "-u", "alice", "--password-stdin", secured.address], stdin: "s3cret\n")
        XCTAssertEqual(login.status, 0, login.both)
        XCTAssertTrue(login.stdout.contains("Login Succeeded"))
        var st = stat()
        XCTAssertEqual(stat(configHome + "/berth/auth.json", &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        let stored = try String(contentsOfFile: configHome + "/berth/auth.json", encoding: .utf8)
        XCTAssertTrue(stored.contains(Data("alice:s3cret".utf8).base64EncodedString()), stored)
        let pull = cli.run(["pull", ref], timeout: 120)
        XCTAssertEqual(pull.status, 0, pull.both)
        let push = cli.run(["push", "-q", ref], timeout: 120)
        XCTAssertEqual(push.status, 0, push.both)
        XCTAssertEqual(skopeoDigest(ref, creds: "alice:s3cret"), push.stdout.trimmingCharacters(in: .whitespacesAndNewlines))

        XCTAssertTrue(cli.run(["logout", secured.address]).stdout.contains("Removing login credentials"))
        XCTAssertEqual(cli.run(["rmi", ref]).status, 0)
        assertOneLine(cli.run(["pull", ref]), status: 1, contains: "unauthorized")
        // docker's own config.json is read too.
        let dockerConfig = #"{"auths":{"\#(secured.address)":{"auth":"\#(Data("alice:s3cret".utf8).base64EncodedString())"}}}"#
        try dockerConfig.write(toFile: configHome + "/docker/config.json", atomically: true, encoding: .utf8)
        let viaDocker = cli.run(["pull", ref], timeout: 120)
        XCTAssertEqual(viaDocker.status, 0, viaDocker.both)
    }

    func testTLSWithACertsDirectoryAndAnUnknownCA() throws {
        let certs = try TestRegistry.makeCertificates(in: configHome + "/pki", name: "server")
        let other = try TestRegistry.makeCertificates(in: configHome + "/pki", name: "other")
        let secured = try TestRegistry.start(label: "tls", tls: (certs.cert, certs.key))
        defer { secured.stop() }
        let certsD = configHome + "/berth/certs.d/" + secured.address
        try FileManager.default.createDirectory(atPath: certsD, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: certs.ca, toPath: certsD + "/ca.crt")
        let fx = Self.fixtures!
        let copy = ImageFixtures.shell(["/usr/bin/skopeo", "copy", "--quiet", "--dest-cert-dir", certsD,
                                        "oci:\(fx.ociLayout):img", "docker://\(secured.address)/tls/img:1"])
        XCTAssertEqual(copy.status, 0, copy.output)
        let pull = cli.run(["pull", "\(secured.address)/tls/img:1"], timeout: 120)
        XCTAssertEqual(pull.status, 0, pull.both)
        // The same registry with a CA that did not sign its certificate.
        try FileManager.default.removeItem(atPath: certsD + "/ca.crt")
        try FileManager.default.copyItem(atPath: other.ca, toPath: certsD + "/ca.crt")
        assertOneLine(cli.run(["pull", "\(secured.address)/tls/img:1"], timeout: 120), status: 1, contains: "unknown authority")
    }

    func testBearerTokensFromTheRegistrysChallenge() throws {
        let pki = configHome + "/pki"
        try FileManager.default.createDirectory(atPath: pki, withIntermediateDirectories: true)
        let made = ImageFixtures.shell(["/bin/sh", "-c", "cd \"$1\" && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=berth-token -keyout token.key -out token.crt 2>&1", "sh", pki])
        XCTAssertEqual(made.status, 0, made.output)
        let issuer = try TestRegistry.python(label: "issuer", script: TestRegistries.tokenIssuer,
                                             arguments: [pki + "/token.key", pki + "/token.crt", "bob", "t0ken-pw"])
        defer { issuer.stop() }
        let secured = try TestRegistry.start(label: "token", auth: .token(realm: "http://\(issuer.address)/token", certificate: pki + "/token.crt"))
        defer { secured.stop() }
        let ref = "\(secured.address)/tok/busybox:1"
        XCTAssertEqual(cli.run(["tag", "busybox", ref]).status, 0)
        assertOneLine(cli.run(["push", ref]), status: 1, contains: "unauthorized")
        assertOneLine(cli.run(["login", "-u", "bob", "-p", "nope", secured.address]), status: 1, contains: "unauthorized")
        let login = cli.run(["login", "-u", "bob", "--password-stdin", secured.address], stdin: "t0ken-pw")
        XCTAssertEqual(login.status, 0, login.both)
        let push = cli.run(["push", "-q", ref], timeout: 120)
        XCTAssertEqual(push.status, 0, push.both)
        XCTAssertEqual(skopeoDigest(ref, creds: "bob:t0ken-pw"), push.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(cli.run(["rmi", ref]).status, 0)
        let pull = cli.run(["pull", ref], timeout: 120)
        XCTAssertEqual(pull.status, 0, pull.both)
        let run = cli.run(["run", "--rm", ref, "echo", "via-token"])
        XCTAssertEqual(run.stdout, "via-token\n", run.both)
    }

    func testACorruptedBlobFailsNamingItsDigestAndLeavesTheStoreUnchanged() throws {
        let proxy = try TestRegistry.python(label: "corrupt", script: TestRegistries.corruptingProxy, arguments: [String(registry.port)])
        defer { proxy.stop() }
        let imagesBefore = cli.run(["images", "-q", "--no-trunc"]).stdout
        let layersBefore = try FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/layers").sorted()
        let r = cli.run(["pull", "\(proxy.address)/fixture/img:v1"], timeout: 120)
        assertOneLine(r, status: 1, contains: "failed verification")
        XCTAssertTrue(r.stderr.range(of: "blob sha256:[0-9a-f]{64}", options: .regularExpression) != nil, r.stderr)
        XCTAssertEqual(cli.run(["images", "-q", "--no-trunc"]).stdout, imagesBefore)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/layers").sorted(), layersBefore)
        XCTAssertEqual(stagingEntries(), [])
    }

    /// `kill -9` of a pull in the middle of a layer: nothing is visible; the next pull removes the
    /// staging directory, resumes the kept layer with an HTTP Range request (the proxy counts fewer
    /// bytes than the blob holds) and completes.
    func testAPullKilledMidLayerLeavesNothingVisibleAndTheNextPullResumes() throws {
        let proxy = try TestRegistry.python(label: "stall", script: TestRegistries.corruptingProxy,
                                            arguments: [String(registry.port), "stall"])
        defer { proxy.stop() }
        let ref = "\(proxy.address)/fixture/img:v1"
        forget(["\(registry.address)/fixture/img:v1"])
        XCTAssertEqual(partialBlobs(), [:], "image prune left partial layers")
        let imagesBefore = cli.run(["images", "-q", "--no-trunc"]).stdout
        let p = Process()
        p.executableURL = URL(fileURLWithPath: BerthCLI.binary)
        p.arguments = ["--root", Self.root.path, "pull", ref]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // `berth` execs `berth-registry` in place: the PID is the pull's. Wait for a layer's first bytes.
        let partial = cli.eventually(timeout: 30) { partialBlobs().values.contains { $0 > 0 } }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertTrue(partial, "the pull never started a layer")
        XCTAssertEqual(cli.run(["images", "-q", "--no-trunc"]).stdout, imagesBefore, "a killed pull made an image visible")
        XCTAssertFalse(stagingEntries().isEmpty, "expected the killed pull's staging directory")
        let kept = partialBlobs().filter { $0.value > 0 }

        // The next pull (through a proxy that changes nothing and counts) resumes the kept layers.
        let counter = try TestRegistry.python(label: "count", script: TestRegistries.corruptingProxy,
                                              arguments: [String(registry.port), "count"])
        defer { counter.stop() }
        let again = cli.run(["pull", "\(counter.address)/fixture/img:v1"], timeout: 120)
        XCTAssertEqual(again.status, 0, again.both)
        XCTAssertTrue(again.stdout.contains("Resuming at"), again.stdout)
        XCTAssertEqual(stagingEntries(), [])
        XCTAssertEqual(partialBlobs(), [:], "the resumed pull left partial layers")
        let log = (try? String(contentsOfFile: counter.directory + "/count.log", encoding: .utf8)) ?? ""
        for (hex, keptBytes) in kept {
            let blob = registry.directory + "/data/docker/registry/v2/blobs/sha256/\(hex.prefix(2))/\(hex)/data"
            let size = (try FileManager.default.attributesOfItem(atPath: blob)[.size] as? Int) ?? -1
            let line = log.split(separator: "\n").first { $0.contains("sha256:\(hex) ") }.map(String.init) ?? "none"
            XCTAssertEqual(line.split(separator: " ").suffix(2), ["206", Substring(String(size - keptBytes))],
                           "layer \(hex) (\(size) bytes, \(keptBytes) kept): fetched \(line)")
        }
        XCTAssertEqual(cli.run(["run", "--rm", "\(counter.address)/fixture/img:v1", "cat", "/data/keep/file"]).stdout, "keep\n")
        forget(["\(counter.address)/fixture/img:v1"])
    }

    /// A registry on S3 or behind a CDN redirects blob GETs to another host: the pull follows, and
    /// the credentials meant for the registry never reach that host (its server refuses any).
    func testBlobRedirectsToAnotherHostCarryNoCredentials() throws {
        let storagePort = TestRegistry.freePort()
        let front = try TestRegistry.python(label: "redirect", script: TestRegistries.redirectingRegistry,
                                            arguments: [String(registry.port), String(storagePort), "carol", "r3direct"])
        defer { front.stop() }
        forget(["\(registry.address)/fixture/img:v1"])
        let ref = "\(front.address)/fixture/img:v1"
        assertOneLine(cli.run(["pull", ref]), status: 1, contains: "unauthorized")
        let login = cli.run(["login", "-u", "carol", "--password-stdin", front.address], stdin: "r3direct")
        XCTAssertEqual(login.status, 0, login.both)
        let pull = cli.run(["pull", ref], timeout: 120)
        XCTAssertEqual(pull.status, 0, pull.both)
        let served = (try? String(contentsOfFile: front.directory + "/storage.log", encoding: .utf8)) ?? ""
        XCTAssertTrue(served.contains("/blobs/sha256:"), "no blob came through the redirect: \(served.debugDescription)")
        XCTAssertEqual(cli.run(["run", "--rm", ref, "cat", "/data/keep/file"]).stdout, "keep\n")
        forget([ref])
    }

    func testHostileManifestsAndErrorMessages() throws {
        let fake = try TestRegistry.python(label: "hostile", script: TestRegistries.hostileRegistry, arguments: [])
        defer { fake.stop() }
        assertOneLine(cli.run(["pull", "\(fake.address)/bad/type:latest"]), status: 1, contains: "unsupported media type")
        assertOneLine(cli.run(["pull", "\(fake.address)/bad/digest:latest"]), status: 1, contains: "not a sha256 digest")
        assertOneLine(cli.run(["pull", "\(fake.address)/bad/escape:latest"]), status: 1, contains: "MANIFEST_UNKNOWN")
        XCTAssertEqual(stagingEntries(), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/etc/passwd.partial"))
    }
}
