import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `berth push` of compressed layers in chunks (docs/registries.md, Push), against a private
/// `docker-registry` whose access log counts the requests, and hostile upload locations from a
/// Python fake registry. Same class as `RegistryTests`: its registry and fixture image.
extension RegistryTests {
    /// The compressed-layer index entries of the store (`<root>/compressed/*`): name → inode, which
    /// an atomic rewrite (a layer compressed again) changes.
    func compressedIndex() -> [String: UInt64] {
        let dir = Self.root.path + "/compressed"
        var found: [String: UInt64] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            var st = stat()
            if stat(dir + "/" + name, &st) == 0 { found[name] = UInt64(st.st_ino) }
        }
        return found
    }

    /// `skopeo inspect --raw`: the manifest the registry holds, parsed.
    func rawManifest(_ ref: String) throws -> [String: Any] {
        let r = ImageFixtures.shell(["/usr/bin/skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(ref)"])
        XCTAssertEqual(r.status, 0, r.output)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], r.output)
    }

    func testGzipPushInChunksPullsBackWithTheSameDigestAndRuns() throws {
        let logged = try TestRegistry.start(label: "chunks", accessLog: true)
        defer { logged.stop() }
        let base = "\(registry.address)/fixture/img:v1"
        let pull = cli.run(["pull", base], timeout: 120)
        XCTAssertEqual(pull.status, 0, pull.both)
        // A 6 MB layer of random bytes (gzip cannot shrink it below the chunk size) on the fixture.
        let container = "berth-chunks-\(getpid())"
        let ref = "\(logged.address)/chunked/img:v1"
        let made = cli.run(["run", "--name", container, base, "sh", "-c", "head -c 6000000 /dev/urandom > /big"], timeout: 60)
        XCTAssertEqual(made.status, 0, made.both)
        let commit = cli.run(["commit", container, ref])
        cli.run(["rm", "-f", container])
        XCTAssertEqual(commit.status, 0, commit.both)
        defer { forget([ref, "\(logged.address)/chunked/again:v1", "\(logged.address)/chunked/fresh:v1"]) }

        setenv("BERTH_PUSH_CHUNK", "1m", 1)
        let push = cli.run(["push", "-q", ref], timeout: 180)
        unsetenv("BERTH_PUSH_CHUNK")
        XCTAssertEqual(push.status, 0, push.both)
        let pushed = push.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(pushed.hasPrefix("sha256:"), push.both)
        XCTAssertEqual(skopeoDigest(ref), pushed)

        // Every layer gzip-compressed, the config's DiffIDs the uncompressed digests.
        let manifest = try rawManifest(ref)
        let layers = try XCTUnwrap(manifest["layers"] as? [[String: Any]])
        // The fixture's three layers and the committed one.
        XCTAssertEqual(layers.count, 4, "\(manifest)")
        XCTAssertEqual(Set(layers.compactMap { $0["mediaType"] as? String }), ["application/vnd.oci.image.layer.v1.tar+gzip"])
        let configText = ImageFixtures.shell(["/usr/bin/skopeo", "inspect", "--config", "--raw", "--tls-verify=false", "docker://\(ref)"])
        let config = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(configText.output.utf8)) as? [String: Any])
        let diffIDs = try XCTUnwrap((config["rootfs"] as? [String: Any])?["diff_ids"] as? [String])
        XCTAssertEqual(diffIDs.count, layers.count)
        XCTAssertTrue(Set(diffIDs).isDisjoint(with: layers.compactMap { $0["digest"] as? String }), "DiffIDs are the compressed digests")

        // Chunked: one PATCH per started MiB of each blob over 1 MiB (the 6 MB layer is six or more).
        let chunk = 1 << 20
        let sizes = layers.compactMap { $0["size"] as? Int }
        let expected = sizes.filter { $0 > chunk }.map { ($0 + chunk - 1) / chunk }.reduce(0, +)
        XCTAssertGreaterThanOrEqual(expected, 6, "sizes \(sizes)")
        let log = try String(contentsOfFile: logged.logPath, encoding: .utf8)
        let patches = log.components(separatedBy: "\n").filter { $0.contains("\"PATCH /v2/chunked/img/blobs/uploads/") }
        XCTAssertEqual(patches.count, expected, "sizes \(sizes)")

        // A second push and a push to another repository compress nothing again: the index
        // entries are the same files, the registry has (or mounts) every blob.
        let names = Set(diffIDs.map { "gzip-" + $0.dropFirst("sha256:".count) })
        let index = compressedIndex().filter { names.contains($0.key) }
        XCTAssertEqual(index.count, layers.count, "\(compressedIndex()) lacks one of \(names)")
        let repush = cli.run(["push", ref], timeout: 120)
        XCTAssertEqual(repush.status, 0, repush.both)
        XCTAssertTrue(repush.stdout.contains("Layer already exists"), repush.stdout)
        XCTAssertFalse(repush.stdout.contains("Pushing"), repush.stdout)
        let again = "\(logged.address)/chunked/again:v1"
        XCTAssertEqual(cli.run(["tag", ref, again]).status, 0)
        let mounted = cli.run(["push", again], timeout: 120)
        XCTAssertEqual(mounted.status, 0, mounted.both)
        XCTAssertTrue(mounted.stdout.contains("Mounted from chunked/img"), mounted.stdout)
        XCTAssertFalse(mounted.stdout.contains("Pushing"), mounted.stdout)
        XCTAssertEqual(compressedIndex().filter { names.contains($0.key) }, index, "a layer was compressed again")
        XCTAssertEqual(skopeoDigest(again), pushed)

        // Without the index, compressing the same layers again gives the same blobs (gzip is
        // deterministic for the same input, level and zlib).
        try FileManager.default.removeItem(atPath: Self.root.path + "/compressed")
        let fresh = "\(logged.address)/chunked/fresh:v1"
        XCTAssertEqual(cli.run(["tag", ref, fresh]).status, 0)
        let repeated = cli.run(["push", "-q", fresh], timeout: 120)
        XCTAssertEqual(repeated.stdout.trimmingCharacters(in: .whitespacesAndNewlines), pushed, repeated.both)
        cli.run(["rmi", fresh])

        // Pulled back by tag: the digest push printed, the same image id, and it runs.
        XCTAssertEqual(cli.run(["rmi", ref, again]).status, 0)
        let back = cli.run(["pull", ref], timeout: 120)
        XCTAssertEqual(back.status, 0, back.both)
        XCTAssertTrue(back.stdout.contains("Digest: \(pushed)"), back.stdout)
        // The id is the config the registry holds; the committed image's own id only when its
        // base layers were Berth's (the fixture's are umoci's: rewritten canonically, new DiffIDs).
        XCTAssertEqual(cli.run(["image", "inspect", "--format", "{{.Id}}", ref]).stdout.trimmingCharacters(in: .newlines), registryConfigID(ref))
        let run = cli.run(["run", "--rm", ref, "sh", "-c", "wc -c < /big; cat /data/keep/file"])
        XCTAssertEqual(run.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }, ["6000000", "keep"], run.both)

        XCTAssertEqual(stagingEntries(), [], "the push left staging behind")
    }

    func testPushWithoutCompressionAndABadCompressionOrChunkSize() throws {
        let base = "\(registry.address)/fixture/img:v1"
        XCTAssertEqual(cli.run(["pull", base], timeout: 120).status, 0)
        let ref = "\(registry.address)/fixture/plain:v1"
        XCTAssertEqual(cli.run(["tag", base, ref]).status, 0)
        defer { forget([ref]) }
        let push = cli.run(["push", "-q", "--compression", "none", ref], timeout: 120)
        XCTAssertEqual(push.status, 0, push.both)
        let layers = try XCTUnwrap(try rawManifest(ref)["layers"] as? [[String: Any]])
        XCTAssertEqual(Set(layers.compactMap { $0["mediaType"] as? String }), ["application/vnd.oci.image.layer.v1.tar"])
        let zstd = cli.run(["push", "-q", "--compression", "zstd", ref], timeout: 120)
        XCTAssertEqual(zstd.status, 0, zstd.both)
        let zlayers = try XCTUnwrap(try rawManifest(ref)["layers"] as? [[String: Any]])
        XCTAssertEqual(Set(zlayers.compactMap { $0["mediaType"] as? String }), ["application/vnd.oci.image.layer.v1.tar+zstd"])

        assertOneLine(cli.run(["push", "--compression", "lz4", ref]), status: 125, contains: "--compression: 'lz4' is not gzip, zstd or none")
        for bad in ["12", "-5m", "1x", "99999999g"] {
            setenv("BERTH_PUSH_CHUNK", bad, 1)
            assertOneLine(cli.run(["push", ref]), status: 125, contains: "BERTH_PUSH_CHUNK")
        }
        unsetenv("BERTH_PUSH_CHUNK")
    }

    func testHostileUploadLocationsAreOneLineErrors() throws {
        let fake = try TestRegistry.python(label: "uploads", script: TestRegistries.hostileUploads, arguments: [])
        defer { fake.stop() }
        let base = "\(registry.address)/fixture/img:v1"
        XCTAssertEqual(cli.run(["pull", base], timeout: 120).status, 0)
        let refs = ["away", "patchaway", "nolocation"].map { "\(fake.address)/\($0)/img:v1" }
        defer { forget(refs) }
        for ref in refs { XCTAssertEqual(cli.run(["tag", base, ref]).status, 0) }
        setenv("BERTH_PUSH_CHUNK", "1k", 1)
        defer { unsetenv("BERTH_PUSH_CHUNK") }
        assertOneLine(cli.run(["push", refs[0]], timeout: 60), status: 1, contains: "/elsewhere/upload' is on another host")
        assertOneLine(cli.run(["push", refs[1]], timeout: 60), status: 1, contains: "/elsewhere/upload' is on another host")
        assertOneLine(cli.run(["push", refs[2]], timeout: 60), status: 1, contains: "the registry gave no upload location after a chunk")
        let log = try String(contentsOfFile: fake.logPath, encoding: .utf8)
        XCTAssertTrue(log.contains("PATCH /v2/patchaway/img/blobs/uploads/s1"), "the chunked path was not taken: \(log)")
        XCTAssertFalse(log.contains("/elsewhere"), "a request followed a location to another host: \(log)")
        XCTAssertEqual(stagingEntries(), [])
    }

    /// Two chunks answered 416 by a proxy: one the registry never got (the session's status says
    /// where it stands: `GET`, 204, `Range`, resumed there), one it took but whose answer was lost
    /// (docker's registry then refuses the stale location, 404: a new session from byte 0); and a
    /// chunk it took answered 502 (the retry is a 404 for the same reason: a new session). The
    /// registry's digest check on the closing PUT refuses a blob with a chunk missing or twice.
    func testChunksRefusedWith416ResumeFromTheSessionsRangeOrANewSession() throws {
        let proxy = try TestRegistry.python(label: "lose416", script: TestRegistries.chunkLosingProxy, arguments: [String(registry.port)])
        defer { proxy.stop() }
        let base = "\(registry.address)/fixture/img:v1"
        XCTAssertEqual(cli.run(["pull", base], timeout: 120).status, 0)
        let ref = "\(proxy.address)/resumed/img:v1"
        XCTAssertEqual(cli.run(["tag", base, ref]).status, 0)
        defer { forget([ref]) }
        setenv("BERTH_PUSH_CHUNK", "64k", 1)
        let push = cli.run(["push", "-q", "--compression", "none", ref], timeout: 120)
        unsetenv("BERTH_PUSH_CHUNK")
        XCTAssertEqual(push.status, 0, push.both)
        // The requests after each 416, as "METHOD STATUS".
        let log = try String(contentsOfFile: proxy.logPath, encoding: .utf8).split(separator: "\n").map { line in
            let words = line.split(separator: " ")
            return "\(words.first ?? "") \(words.last ?? "")"
        }
        let refused = log.indices.filter { log[$0] == "PATCH 416" }
        XCTAssertEqual(refused.count, 2, "\(log)")
        if refused.count == 2 {
            XCTAssertEqual(Array(log[(refused[0] + 1)...].prefix(2)), ["GET 204", "PATCH 202"], "\(log)")
            XCTAssertEqual(Array(log[(refused[1] + 1)...].prefix(3)), ["GET 404", "POST 202", "PATCH 202"], "\(log)")
        }
        // A 502 after the registry took the chunk: the retry's stale location is a 404, a new session follows.
        let failed = try XCTUnwrap(log.firstIndex(of: "PATCH 502"), "\(log)")
        XCTAssertEqual(Array(log[(failed + 1)...].prefix(3)), ["PATCH 404", "POST 202", "PATCH 202"], "\(log)")
        XCTAssertEqual(skopeoDigest("\(registry.address)/resumed/img:v1"), push.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A push killed with -9 while it sends chunks: nothing half-made is visible, the next
    /// command sweeps the killed one's staging, and the next push completes with the digest the
    /// registry reports (the registry's own session of the killed upload simply expires).
    func testAPushKilledMidChunkIsFinishedByTheNext() throws {
        let logged = try TestRegistry.start(label: "killpush", accessLog: true)
        defer { logged.stop() }
        let base = "\(registry.address)/fixture/img:v1"
        XCTAssertEqual(cli.run(["pull", "-q", base], timeout: 120).status, 0)
        let container = "berth-killpush-\(getpid())"
        let ref = "\(logged.address)/killed/img:v1"
        let made = cli.run(["run", "--name", container, base, "sh", "-c", "head -c 16000000 /dev/urandom > /big"], timeout: 60)
        XCTAssertEqual(made.status, 0, made.both)
        XCTAssertEqual(cli.run(["commit", container, ref]).status, 0)
        cli.run(["rm", "-f", container])
        defer { forget([ref]) }

        let pusher = Process()
        pusher.executableURL = URL(fileURLWithPath: BerthCLI.binary)
        pusher.arguments = ["--root", cli.root, "push", ref]
        var env = ProcessInfo.processInfo.environment
        env["BERTH_PUSH_CHUNK"] = "64k"
        pusher.environment = env
        pusher.standardOutput = FileHandle.nullDevice
        pusher.standardError = FileHandle.nullDevice
        try pusher.run()
        let pid = pusher.processIdentifier
        addTeardownBlock { kill(pid, SIGKILL); pusher.waitUntilExit() }
        func patches() -> Int {
            ((try? String(contentsOfFile: logged.logPath, encoding: .utf8)) ?? "").components(separatedBy: "\"PATCH /v2/killed/img/blobs/uploads/").count - 1
        }
        XCTAssertTrue(cli.eventually(timeout: 120) { patches() >= 5 }, "the push sent chunks")
        kill(pid, SIGKILL)
        pusher.waitUntilExit()
        XCTAssertEqual(pusher.terminationReason, .uncaughtSignal)
        XCTAssertFalse(stagingEntries().isEmpty, "the killed push left its staging directory")
        XCTAssertEqual(skopeoDigest(ref).hasPrefix("skopeo failed"), true, "no manifest: the tag names nothing half-pushed")

        let again = cli.run(["push", "-q", ref], timeout: 180)
        XCTAssertEqual(again.status, 0, again.both)
        let digest = again.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(skopeoDigest(ref), digest)
        XCTAssertEqual(stagingEntries(), [], "the next push swept the killed one's staging and its own")
        XCTAssertEqual(cli.run(["rmi", ref]).status, 0)
        let back = cli.run(["pull", ref], timeout: 120)
        XCTAssertTrue(back.stdout.contains("Digest: \(digest)"), back.both)
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", ref, "sh", "-c", "wc -c < /big"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), "16000000")
    }
}
