import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Images made by umoci and skopeo (ImageFixtures), imported through the real `berth` binary in
/// each form, and containers run from them.
final class ImageImportTests: ContainerTestCase {
    override class var rootLabel: String { "img" }
    nonisolated(unsafe) static var fixtures: ImageFixtures.Set?
    nonisolated(unsafe) static var fixtureProblem = "not built"
    /// Set by `setUpWithError` once the fixtures exist.
    private(set) var fx = ImageFixtures.Set(directory: "/nonexistent")

    static let tools = ["umoci", "skopeo", "python3"]

    override class func setUp() {
        super.setUp()
        guard getuid() == 0, tools.allSatisfy({ Prerequisite.find($0) != nil }) else { return }
        do { fixtures = try ImageFixtures.make(label: "import") } catch { fixtureProblem = "\(error)" }
    }

    override class func tearDown() {
        ImageFixtures.remove(fixtures)
        super.tearDown()
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        for tool in Self.tools { try Prerequisite.requireTool(tool) }
        guard let fixtures = Self.fixtures else {
            throw NSError(domain: "fixtures", code: 1, userInfo: [NSLocalizedDescriptionKey: "could not build the umoci/skopeo fixtures: \(Self.fixtureProblem)"])
        }
        fx = fixtures
    }

    var layerDirectories: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/layers")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// What a container of the fixture image sees: whiteouts applied, opaque dir, owners, config.
    func checkContainer(_ image: String, file: StaticString = #filePath, line: UInt = #line) {
        let script = """
            test -e /data/gone.txt && echo GONE-STILL-THERE; ls /opq; cat /data/keep/file; \
            stat -c '%u:%g %a %h' /data/keep/file; readlink /data/link; test -p /data/fifo && echo fifo; \
            stat -c '%t,%T' /data/null; echo "$GREETING"; pwd
            """
        let r = cli.run(["run", "--rm", image, "sh", "-c", script])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stdout, "new\nkeep\n1000:1000 4750 2\nkeep/file\nfifo\n1,3\nhello\n/data\n", file: file, line: line)
        let d = cli.run(["run", "--rm", image])
        XCTAssertEqual(d.stdout, "default\n", "the image's Cmd runs by default", file: file, line: line)
    }

    func testEachFormatImportsAndRunsWithWhiteoutsApplied() throws {
        for (path, name) in [(fx.ociLayout, "fx-layout"), (fx.ociArchive, "fx-ociarchive"), (fx.dockerArchive, "fx-docker")] {
            let r = cli.run(["image", "import", path, "--name", name])
            XCTAssertEqual(r.status, 0, "\(path): \(r.stderr)")
            XCTAssertEqual(r.stdout.count, 65, "prints the image id")
            XCTAssertEqual(r.stderr, "", "quiet when stderr is not a terminal")
            checkContainer(name)
        }
        let inspect = try XCTUnwrap(try cli.json(["image", "inspect", "fx-docker"]) as? [[String: Any]]).first ?? [:]
        let config = inspect["config"] as? [String: Any] ?? [:]
        XCTAssertEqual(config["env"] as? [String], ["GREETING=hello", "PATH=/bin"])
        XCTAssertEqual(config["cmd"] as? [String], ["sh", "-c", "echo default"])
        XCTAssertEqual(config["workingDir"] as? String, "/data")
        XCTAssertEqual(config["user"] as? String, "0:0")
        XCTAssertEqual(config["exposedPorts"] as? [String], ["8080/tcp"])
        XCTAssertEqual(config["labels"] as? [String: String], ["org.example": "fixture"])
        XCTAssertEqual((inspect["layers"] as? [Any])?.count, 3)
        XCTAssertEqual(inspect["format"] as? String, "docker-archive")
    }

    func testLayersAreStoredOnceAcrossFormatsAndReimports() throws {
        XCTAssertEqual(cli.run(["image", "import", fx.ociLayout, "--name", "once-a"]).status, 0)
        let after = layerDirectories
        XCTAssertEqual(cli.run(["image", "import", fx.dockerArchive, "--name", "once-b"]).status, 0)
        XCTAssertEqual(cli.run(["image", "import", fx.ociLayout, "--name", "once-a"]).status, 0)
        XCTAssertEqual(layerDirectories, after, "same DiffIDs, same layer directories")
        let list = try XCTUnwrap(try cli.json(["image", "ls", "--json"]) as? [[String: Any]])
        let a = list.first { $0["name"] as? String == "once-a" }, b = list.first { $0["name"] as? String == "once-b" }
        XCTAssertEqual(a?["layers"] as? [String], b?["layers"] as? [String])
        XCTAssertEqual(a?["id"] as? String, b?["id"] as? String, "the id is the config's digest, whatever the wrapping")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/tmp"), [], "no temporaries left")
    }

    func testExportIsReadByUmociAndSkopeoAndRoundTrips() throws {
        XCTAssertEqual(cli.run(["image", "import", fx.ociArchive, "--name", "rt:v1"]).status, 0)
        let out = fx.directory + "/export.tar"
        let r = cli.run(["image", "export", "rt:v1", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let inspect = ImageFixtures.shell(["/usr/bin/skopeo", "inspect", "oci-archive:" + out])
        XCTAssertEqual(inspect.status, 0, inspect.output)
        let json = try JSONSerialization.jsonObject(with: Data(inspect.output.utf8)) as? [String: Any]
        XCTAssertEqual((json?["Layers"] as? [Any])?.count, 3)
        XCTAssertEqual(json?["Labels"] as? [String: String], ["org.example": "fixture"])
        // umoci reads layouts: unpack the archive's layout with tar, then umoci unpack it.
        let layout = fx.directory + "/export-layout", bundle = fx.directory + "/export-bundle"
        try FileManager.default.createDirectory(atPath: layout, withIntermediateDirectories: true)
        XCTAssertEqual(ImageFixtures.shell(["/usr/bin/tar", "-C", layout, "-xf", out]).status, 0)
        let unpack = ImageFixtures.shell(["/usr/bin/umoci", "unpack", "--image", layout + ":v1", bundle])
        XCTAssertEqual(unpack.status, 0, unpack.output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: bundle + "/rootfs/opq"), ["new"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: bundle + "/rootfs/data/gone.txt"))
        // And back into Berth.
        XCTAssertEqual(cli.run(["image", "import", out, "--name", "rt:v2"]).status, 0)
        checkContainer("rt:v2")
    }

    /// Copies the OCI layout, lets `damage` break it, and expects a refusal naming `expected`
    /// with the store unchanged.
    func assertRefused(_ expected: String, file: StaticString = #filePath, line: UInt = #line, _ damage: (String) throws -> Void) throws {
        let copy = fx.directory + "/damaged-\(UInt32.random(in: 0...UInt32.max))"
        XCTAssertEqual(ImageFixtures.shell(["/bin/cp", "-a", fx.ociLayout, copy]).status, 0)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try damage(copy)
        let before = layerDirectories
        let images = cli.run(["image", "ls", "--json"]).stdout
        let r = cli.run(["image", "import", copy, "--name", "damaged"])
        XCTAssertEqual(r.status, 125, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(expected), r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line", file: file, line: line)
        XCTAssertEqual(layerDirectories, before, file: file, line: line)
        XCTAssertEqual(cli.run(["image", "ls", "--json"]).stdout, images, file: file, line: line)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/tmp"), [], file: file, line: line)
        let temps = try FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/layers").filter { $0.hasPrefix(".") }
        XCTAssertEqual(temps, [], "no half layer left", file: file, line: line)
    }

    /// The blob paths of the layout's layers, lowest first.
    func layerBlobs(_ layout: String) throws -> [String] {
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/index.json"))) as? [String: Any]
        let m = ((index?["manifests"] as? [[String: Any]])?.first?["digest"] as? String ?? "").dropFirst(7)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/blobs/sha256/" + m))) as? [String: Any]
        return (manifest?["layers"] as? [[String: Any]] ?? []).map { layout + "/blobs/sha256/" + (($0["digest"] as? String ?? "").dropFirst(7)) }
    }

    func testDamagedImagesAreRefusedAndTheStoreIsUnchanged() throws {
        // The top layer's blob has one byte changed.
        try assertRefused("digest mismatch") { layout in
            let blob = try self.layerBlobs(layout)[2]
            var bytes = try Data(contentsOf: URL(fileURLWithPath: blob))
            bytes[bytes.count - 5] ^= 0xFF
            try bytes.write(to: URL(fileURLWithPath: blob))
        }
        // A layer blob the manifest names is missing.
        try assertRefused("blob is missing") { layout in
            try FileManager.default.removeItem(atPath: try self.layerBlobs(layout)[1])
        }
        // The top layer is truncated (the manifest's size no longer matches).
        try assertRefused("size mismatch") { layout in
            let blob = try self.layerBlobs(layout)[2]
            XCTAssertEqual(truncate(blob, 100), 0)
        }
        // The manifest itself is missing.
        try assertRefused("manifest sha256:") { layout in
            let index = try String(contentsOfFile: layout + "/index.json", encoding: .utf8)
            let m = index.range(of: "sha256:[0-9a-f]{64}", options: .regularExpression).map { String(index[$0].dropFirst(7)) } ?? ""
            try FileManager.default.removeItem(atPath: layout + "/blobs/sha256/" + m)
        }
    }

    func testTruncatedArchiveIsRefused() throws {
        let cut = fx.directory + "/cut.tar"
        let data = try Data(contentsOf: URL(fileURLWithPath: fx.dockerArchive))
        try data.prefix(data.count * 2 / 3).write(to: URL(fileURLWithPath: cut))
        defer { unlink(cut) }
        let before = layerDirectories
        let r = cli.run(["image", "import", cut, "--name", "cut"])
        XCTAssertEqual(r.status, 125)
        XCTAssertTrue(r.stderr.contains("truncated") || r.stderr.contains("missing"), r.stderr)
        XCTAssertEqual(layerDirectories, before)
    }

    func testRemoveIsRefusedWhileUsedAndPruneKeepsLayersContainersUse() throws {
        XCTAssertEqual(cli.run(["image", "import", fx.dockerArchive, "--name", "used"]).status, 0)
        XCTAssertEqual(cli.run(["create", "--name", "img-user", "used", "sleep", "30"]).status, 0)
        let refused = cli.run(["image", "rm", "used"])
        XCTAssertEqual(refused.status, 1, "a conflict, as docker's rmi")
        XCTAssertTrue(refused.stderr.contains("img-user"), refused.stderr)
        XCTAssertEqual(cli.run(["start", "img-user"]).status, 0)
        let running = cli.run(["image", "rm", "-f", "used"])
        XCTAssertEqual(running.status, 1, "never while a container runs")
        XCTAssertTrue(running.stderr.contains("running"), running.stderr)
        XCTAssertEqual(cli.run(["kill", "img-user"]).status, 0)
        XCTAssertTrue(cli.eventually { (try? cli.state("img-user")["Status"] as? String) != "running" })
        // Forced: the record goes, the layers stay for the stopped container, and prune keeps them.
        let layers = try XCTUnwrap(try cli.json(["image", "inspect", "used"]) as? [[String: Any]]).first?["layerDirectories"] as? [String] ?? []
        XCTAssertEqual(cli.run(["image", "rm", "-f", "used"]).status, 0)
        XCTAssertEqual(cli.run(["image", "prune"]).status, 0)
        for l in layers { XCTAssertTrue(FileManager.default.fileExists(atPath: l), "\(l) is used by img-user") }
        XCTAssertEqual(cli.run(["start", "img-user"]).status, 0, "the container still runs on its layers")
        XCTAssertEqual(cli.run(["rm", "-f", "img-user"]).status, 0)
        XCTAssertEqual(cli.run(["image", "prune"]).status, 0)
        let stillUsed = try XCTUnwrap(try cli.json(["image", "ls", "--json"]) as? [[String: Any]]).flatMap { $0["layers"] as? [String] ?? [] }
        for l in layers where !stillUsed.contains(String(l.split(separator: "/").last ?? "")) {
            XCTAssertFalse(FileManager.default.fileExists(atPath: l), "\(l) pruned once nothing used it")
        }
    }
    func testKilledImportLeavesNoLayerAndIsSweptLater() throws {
        // A 64 MiB rootfs tarball of incompressible data: long enough to be caught mid-unpack.
        let tarball = fx.directory + "/big.tar"
        let make = ImageFixtures.shell(["/bin/sh", "-c", "set -e; d=$(mktemp -d); head -c 67108864 /dev/urandom > $d/blob; tar -C $d -cf \(tarball) blob; rm -rf $d"])
        XCTAssertEqual(make.status, 0, make.output)
        defer { unlink(tarball) }
        let before = layerDirectories
        let images = cli.run(["image", "ls", "--json"]).stdout
        let p = Process()
        p.executableURL = URL(fileURLWithPath: BerthCLI.binary)
        p.arguments = ["--root", Self.root.path, "image", "import", tarball, "--name", "killed"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let layers = Self.root.path + "/layers"
        // Watch without pausing between looks; the kill lands mid-unpack on any machine seen so
        // far, but when the import wins the race the outcome is checked too instead of skipped.
        var caught = false
        let deadline = Date().addingTimeInterval(60)
        while !caught && p.isRunning && Date() < deadline {
            caught = HostState.entries(of: layers).contains { $0.hasPrefix(".tmp-\(p.processIdentifier)-") }
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        if !caught {
            // The import finished first: it must have left a complete image and no temporaries.
            XCTAssertEqual(p.terminationReason, .exit, "the import was not caught mid-unpack, so it completed")
            XCTAssertEqual(p.terminationStatus, 0)
            XCTAssertEqual(cli.run(["image", "inspect", "killed"]).status, 0, "the image is complete")
            XCTAssertEqual(layerDirectories.count, before.count + 1, "one new layer")
            XCTAssertEqual(HostState.entries(of: layers).filter { $0.hasPrefix(".tmp-") }, [])
            XCTAssertEqual(cli.run(["image", "rm", "killed"]).status, 0)
            return
        }
        XCTAssertEqual(layerDirectories, before, "no half layer is visible")
        XCTAssertEqual(cli.run(["image", "ls", "--json"]).stdout, images)
        XCTAssertNotEqual(cli.run(["run", "--rm", "killed", "true"]).status, 0)
        XCTAssertEqual(cli.run(["image", "prune"]).status, 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: layers).filter { $0.hasPrefix(".tmp-") }
        XCTAssertEqual(left, [], "prune sweeps the dead import's temporaries")
    }
}
