import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// What docs/images.md promises about inputs beyond the umoci/skopeo fixtures: compressed rootfs
/// tarballs (made with Debian's compressors), an index with several platforms, several images in
/// one docker-archive, refused layer media types and DiffID counts, overlay xattrs never taken
/// from an archive, and `image import --cmd` / `--quiet`. Images come from `HandMadeImages`
/// (Python) or GNU tar, never from Berth's own writer.
final class ImageFormatsTests: ContainerTestCase {
    override class var rootLabel: String { "imgfmt" }

    var layerDirectories: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/layers")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    var imageIndex: String { (try? String(contentsOfFile: Self.root.path + "/images.json", encoding: .utf8)) ?? "" }

    @discardableResult
    func importImage(_ path: String, _ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line) -> BerthCLI.Result {
        let r = cli.run(["image", "import", path] + extra, timeout: 120)
        XCTAssertEqual(r.status, 0, "import \(path): \(r.stderr)", file: file, line: line)
        return r
    }

    /// Removes images by name when the test ends, whatever happened.
    func removeImagesAfterwards(_ names: [String]) {
        let cli = self.cli
        addTeardownBlock { cli.run(["image", "rm", "-f"] + names); cli.run(["image", "prune"]) }
    }

    /// An import that must fail with `reason` and leave the index and the layers as they were.
    func assertRefused(_ path: String, _ reason: String, name: String, file: StaticString = #filePath, line: UInt = #line) {
        let index = imageIndex, layers = layerDirectories
        let r = cli.run(["image", "import", path, "--name", name])
        XCTAssertEqual(r.status, 125, "\(path) was imported: \(r.stdout)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(reason), "expected '\(reason)' in: \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "one line: \(r.stderr)", file: file, line: line)
        XCTAssertEqual(imageIndex, index, "the image index changed", file: file, line: line)
        XCTAssertEqual(layerDirectories, layers, "layers changed", file: file, line: line)
        XCTAssertEqual(HostState.entries(of: Self.root.path + "/layers").filter { $0.hasPrefix(".tmp-") }, [], "a temporary is left", file: file, line: line)
    }

    /// A busybox rootfs with `/marker` (and `/pad`, `padMiB` MiB of random bytes) as a plain tar made
    /// by GNU tar; returns its path.
    func rootfsTarball(in dir: String, marker: String, padMiB: Int = 0) throws -> String {
        let tar = try Prerequisite.requireTool("tar")
        let script = """
            set -e; R="$1/rootfs"; mkdir -p "$R/bin" "$R/etc" "$R/tmp" "$R/proc" "$R/sys" "$R/dev"
            cp /bin/busybox "$R/bin/busybox"; for a in sh cat echo ls; do ln -s busybox "$R/bin/$a"; done
            echo "$2" > "$R/marker"
            if [ "$3" -gt 0 ]; then head -c "$(( $3 * 1048576 ))" /dev/urandom > "$R/pad"; fi
            "$4" --numeric-owner --owner=0 --group=0 -C "$R" -cf "$1/rootfs.tar" .
            rm -rf "$R"
            """
        let r = Subprocess.run("/bin/sh", ["-c", script, "sh", dir, marker, String(padMiB), tar])
        XCTAssertEqual(r.status, 0, r.stderr)
        return dir + "/rootfs.tar"
    }

    func sha256(_ path: String) throws -> String {
        let r = Subprocess.run(try Prerequisite.requireTool("sha256sum"), [path])
        return String(r.stdout.prefix(64))
    }

    // MARK: - Compressed rootfs tarballs

    func testZstdXzBzip2AndLz4TarballsImportAsTheSameLayer() throws {
        let tools = [("zstd", ["-q", "-k"], ".zst"), ("xz", ["-k"], ".xz"), ("bzip2", ["-k"], ".bz2"), ("lz4", ["-q"], ".lz4")]
        for (tool, _, _) in tools { try Prerequisite.requireTool(tool) }
        let dir = try scratchDirectory(self, "imgfmt-comp")
        let tar = try rootfsTarball(in: dir, marker: "compressed")
        // A rootfs tarball's layer is keyed by the digest of its uncompressed stream.
        let diffID = try sha256(tar)
        removeImagesAfterwards(tools.map { "comp:" + $0.0 })
        for (tool, args, suffix) in tools {
            let path = try XCTUnwrap(Prerequisite.find(tool))
            let c = tool == "lz4" ? Subprocess.run(path, args + [tar, tar + suffix]) : Subprocess.run(path, args + [tar])
            XCTAssertEqual(c.status, 0, "\(tool): \(c.stderr)")
            // Detected by content, not by name: the file name says nothing of the compression.
            let renamed = dir + "/image-\(tool)"
            XCTAssertEqual(rename(tar + suffix, renamed), 0)
            XCTAssertNotEqual(try sha256(renamed), diffID, "\(tool) left the tar uncompressed")
            importImage(renamed, ["--name", "comp:\(tool)"])
            let run = cli.run(["run", "--rm", "--network", "none", "comp:\(tool)", "cat", "/marker"])
            XCTAssertEqual(run.stdout, "compressed\n", "\(tool): \(run.stderr)")
            let inspect = try XCTUnwrap((try cli.json(["image", "inspect", "comp:\(tool)"]) as? [[String: Any]])?.first)
            XCTAssertEqual(inspect["layers"] as? [String], [diffID], tool)
            XCTAssertEqual(inspect["format"] as? String, "rootfs", tool)
        }
        XCTAssertTrue(layerDirectories.contains(diffID), "one layer directory for all four")
    }

    // MARK: - import --cmd and --quiet

    func testCmdReplacesTheDefaultCommand() throws {
        let dir = try scratchDirectory(self, "imgfmt-cmd")
        let tar = try rootfsTarball(in: dir, marker: "with-cmd")
        removeImagesAfterwards(["cmd:plain", "cmd:given", "cmd:ep"])
        importImage(tar, ["--name", "cmd:plain"])
        let none = cli.run(["run", "--rm", "--network", "none", "cmd:plain"])
        XCTAssertEqual(none.status, 125, "a rootfs tarball has no command")
        importImage(tar, ["--name", "cmd:given", "--cmd", "cat /marker"])
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "cmd:given"]).stdout, "with-cmd\n")
        let config = try XCTUnwrap((try cli.json(["image", "inspect", "cmd:given"]) as? [[String: Any]])?.first?["config"] as? [String: Any])
        XCTAssertEqual(config["cmd"] as? [String], ["cat", "/marker"])

        // On an image with an Entrypoint, --cmd replaces only the Cmd.
        try Prerequisite.requireTool("python3")
        try HandMadeImages.make(["format": "oci", "out": dir + "/ep", "images": [[
            "config": ["Env": ["PATH=/bin"], "Entrypoint": ["/bin/echo", "ep"], "Cmd": ["old"]], "layers": [["busybox": true]]]]])
        importImage(dir + "/ep", ["--name", "cmd:ep", "--cmd", "new words"])
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "cmd:ep"]).stdout, "ep new words\n")
    }

    func testProgressBarOnATerminalAndQuietSilencesIt() throws {
        let script = try Prerequisite.requireTool("script")
        let dir = try scratchDirectory(self, "imgfmt-quiet")
        // Larger than the 4 MiB from which the bar is drawn.
        let tar = try rootfsTarball(in: dir, marker: "big", padMiB: 6)
        removeImagesAfterwards(["big:bar", "big:quiet"])
        // `script` gives the import a terminal for stdout and stderr and copies what it wrote.
        func onATerminal(_ extra: String) -> String {
            let command = "\(BerthCLI.binary) --root \(cli.root) image import \(tar) \(extra)"
            let r = Subprocess.run(script, ["-q", "-e", "-c", command, "/dev/null"], timeout: 120)
            XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
            return r.stdout
        }
        let bar = onATerminal("--name big:bar")
        XCTAssertNotNil(bar.range(of: #"\[=*>? *\] [0-9.]+[KMG]?i?B/[0-9.]+MiB .*/s"#, options: .regularExpression),
                        "a progress bar: \(bar.debugDescription)")
        let quiet = onATerminal("--name big:quiet --quiet")
        let id = quiet.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(id.count, 64, "only the id: \(quiet.debugDescription)")
        XCTAssertFalse(quiet.contains("["), quiet.debugDescription)
        // Not on a terminal: no bar either, without --quiet.
        let piped = importImage(tar, ["--name", "big:quiet"])
        XCTAssertEqual(piped.stderr, "")
    }

    // MARK: - OCI index platforms

    func testTheHostsPlatformIsChosenFromAnIndex() throws {
        try Prerequisite.requireTool("python3")
        let dir = try scratchDirectory(self, "imgfmt-platform")
        let host = HandMadeImages.hostArchitecture
        let other = host == "amd64" ? "arm64" : "amd64"
        func image(_ arch: String, _ marker: String, ref: String? = nil) -> [String: Any] {
            var i: [String: Any] = ["platform": "linux/\(arch)", "layers": [["busybox": true], ["files": ["platform": marker + "\n"]]]]
            if let ref { i["refName"] = ref }
            return i
        }
        // The foreign platform comes first, so "the first" would be wrong.
        try HandMadeImages.make(["format": "oci", "out": dir + "/multi", "images": [image(other, other), image(host, host)]])
        removeImagesAfterwards(["plat:one", "plat:two", "plat:tagged"])
        importImage(dir + "/multi", ["--name", "plat:one"])
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "plat:one", "cat", "/platform"]).stdout, host + "\n")
        let inspect = try XCTUnwrap((try cli.json(["image", "inspect", "plat:one"]) as? [[String: Any]])?.first)
        XCTAssertEqual(inspect["architecture"] as? String, host)

        // Two for this host: the one whose ref.name is the requested tag, else the first.
        try HandMadeImages.make(["format": "oci", "out": dir + "/tags", "images": [
            image(other, "foreign", ref: "tagged"), image(host, "one", ref: "one"), image(host, "tagged", ref: "tagged")]])
        importImage(dir + "/tags", ["--name", "plat:tagged"])
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "plat:tagged", "cat", "/platform"]).stdout, "tagged\n")
        importImage(dir + "/tags", ["--name", "plat:two"])
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "plat:two", "cat", "/platform"]).stdout, "one\n")

        // None for this host: refused, naming what was found.
        try HandMadeImages.make(["format": "oci", "out": dir + "/foreign", "images": [image("s390x", "s"), image("ppc64le", "p")]])
        assertRefused(dir + "/foreign", "no linux/\(host) manifest (found: linux/s390x, linux/ppc64le)", name: "plat:none")
    }

    // MARK: - docker-archive with several images

    func testADockerArchiveWithSeveralImagesGivesTheNamedOne() throws {
        try Prerequisite.requireTool("python3")
        let dir = try scratchDirectory(self, "imgfmt-multi")
        try HandMadeImages.make(["format": "docker", "out": dir + "/two", "images": [
            ["repoTags": ["docker.io/library/first:one"], "layers": [["busybox": true], ["files": ["which": "first\n"]]]],
            ["repoTags": ["example.org/second:two"], "layers": [["busybox": true], ["files": ["which": "second\n"]]]]]])
        removeImagesAfterwards(["first:one", "example.org/second:two"])
        // Without --name: the first image, named by its RepoTag with docker.io/library/ stripped.
        importImage(dir + "/two.tar")
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "first:one", "cat", "/which"]).stdout, "first\n")
        importImage(dir + "/two.tar", ["--name", "example.org/second:two"])
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "example.org/second:two", "cat", "/which"]).stdout, "second\n")
        let names = (try cli.json(["image", "ls", "--json"]) as? [[String: Any]] ?? []).map { "\($0["name"] ?? ""):\($0["tag"] ?? "")" }
        XCTAssertTrue(names.contains("first:one") && names.contains("example.org/second:two"), "\(names)")
    }

    // MARK: - Refusals

    func testForeignLayerMediaTypesAreRefusedByName() throws {
        try Prerequisite.requireTool("python3")
        let dir = try scratchDirectory(self, "imgfmt-media")
        for (i, type) in ["application/vnd.oci.image.layer.v1.tar+gzip+encrypted", "application/vnd.oci.image.layer.v1.tar+bzip2",
                          "application/octet-stream"].enumerated() {
            try HandMadeImages.make(["format": "oci", "out": dir + "/m\(i)", "images": [[
                "layers": [["busybox": true], ["files": ["x": "x"], "gzip": true, "mediaType": type]]]]])
            assertRefused(dir + "/m\(i)", "unsupported media type \(type)", name: "media:\(i)")
        }
        // Accepted types with a mislabelled compression still unpack (detected from the bytes).
        try HandMadeImages.make(["format": "oci", "out": dir + "/ok", "images": [[
            "layers": [["busybox": true], ["files": ["x": "plain\n"], "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip"]]]]])
        removeImagesAfterwards(["media:ok"])
        importImage(dir + "/ok", ["--name", "media:ok"])
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "media:ok", "cat", "/x"]).stdout, "plain\n")
    }

    func testADiffIDCountThatDiffersFromTheLayersIsRefused() throws {
        try Prerequisite.requireTool("python3")
        let dir = try scratchDirectory(self, "imgfmt-diffid")
        let image: [String: Any] = ["repoTags": ["short:1"], "dropDiffIDs": 1, "layers": [["busybox": true], ["files": ["x": "x"]]]]
        try HandMadeImages.make(["format": "oci", "out": dir + "/oci", "images": [image]])
        assertRefused(dir + "/oci", "lists 1 layer DiffIDs but the manifest has 2 layers", name: "short:oci")
        try HandMadeImages.make(["format": "docker", "out": dir + "/docker", "images": [image]])
        assertRefused(dir + "/docker.tar", "lists 1 layer DiffIDs but manifest.json has 2 layers", name: "short:docker")
    }

    // MARK: - Overlay xattrs

    /// The value of extended attribute `name` of `path` (not following a symlink), nil when absent;
    /// read with Python's os.getxattr, not Berth's own code.
    func xattr(_ path: String, _ name: String) throws -> String? {
        let python = try Prerequisite.requireTool("python3")
        let r = Subprocess.run(python, ["-c", """
            import errno, os, sys
            try: sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())
            except OSError as e: sys.exit(3 if e.errno == errno.ENODATA else 1)
            """, path, name])
        XCTAssertTrue(r.status == 0 || r.status == 3, "getxattr \(path) \(name): \(r.stderr)")
        return r.status == 0 ? r.stdout : nil
    }

    func testOverlayXattrsFromAnArchiveAreDroppedAndOthersKept() throws {
        try Prerequisite.requireTool("python3")
        let dir = try scratchDirectory(self, "imgfmt-xattr")
        try HandMadeImages.make(["format": "oci", "out": dir + "/x", "images": [["layers": [
            ["busybox": true],
            ["dirs": ["d"], "files": ["d/lower": "lower\n"]],
            // Were it applied, the opaque xattr would hide d/lower, and the redirect would steer the lookup.
            ["dirs": ["d"], "files": ["d/upper": "upper\n", "f": "f\n"],
             "xattrs": ["d": ["trusted.overlay.opaque": "y"],
                        "f": ["trusted.overlay.redirect": "/etc/passwd", "user.keep": "kept", "trusted.other": "kept-too"]]],
        ]]]])
        removeImagesAfterwards(["xattr:1"])
        importImage(dir + "/x", ["--name", "xattr:1"])
        let r = cli.run(["run", "--rm", "--network", "none", "xattr:1", "sh", "-c", "ls /d; cat /f"])
        XCTAssertEqual(r.stdout, "lower\nupper\nf\n", r.stderr)

        let layers = try XCTUnwrap((try cli.json(["image", "inspect", "xattr:1"]) as? [[String: Any]])?.first?["layers"] as? [String])
        XCTAssertEqual(layers.count, 3)
        let top = Self.root.path + "/layers/" + (layers.last ?? "")
        XCTAssertNil(try xattr(top + "/d", "trusted.overlay.opaque"))
        XCTAssertNil(try xattr(top + "/f", "trusted.overlay.redirect"))
        XCTAssertEqual(try xattr(top + "/f", "user.keep"), "kept", "other xattrs are kept")
        XCTAssertEqual(try xattr(top + "/f", "trusted.other"), "kept-too")
    }
}
