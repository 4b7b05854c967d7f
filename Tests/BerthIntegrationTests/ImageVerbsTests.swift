import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// docker's image verbs against the real binary: `images`, `tag`, `rmi`, `history`, `save`,
/// `load`, `image prune -a`, `system df`, `system prune`; hostile names and archives.
final class ImageVerbsTests: ContainerTestCase {
    override class var rootLabel: String { "imgverbs" }

    private func ids(_ args: [String] = []) -> [String] {
        cli.run(["images", "-q", "--no-trunc"] + args).stdout.split(separator: "\n").map(String.init)
    }

    /// The store as files: the index and every layer and config directory entry.
    private func storeSnapshot() -> [String] {
        let root = Self.root.path
        var out = [(try? String(contentsOfFile: root + "/images.json", encoding: .utf8)) ?? ""]
        for dir in ["layers", "configs", "tmp"] {
            out += ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + dir)) ?? []).sorted().map { dir + "/" + $0 }
        }
        return out
    }

    private func berthShell(_ script: String) -> Subprocess.Result {
        let b = "\(BerthCLI.binary) --root \(cli.root) --cgroup-parent \(cli.cgroupParent)"
        return Subprocess.run("/bin/sh", ["-c", script.replacingOccurrences(of: "BERTH", with: b)], timeout: 120)
    }

    func testImagesListsFiltersAndFormatsAsDocker() throws {
        XCTAssertEqual(cli.run(["image", "import-busybox", "--name", "imgv/one:1"]).status, 0)
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "imgv/one:1", "imgv/two:2"]) }
        XCTAssertEqual(cli.run(["tag", "imgv/one:1", "imgv/two:2"]).status, 0)
        let table = cli.run(["images"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.hasPrefix("REPOSITORY   TAG      IMAGE ID       CREATED"), table.stdout)
        XCTAssertTrue(table.stdout.contains("SIZE\n"), table.stdout)
        XCTAssertEqual(cli.run(["image", "ls"]).stdout.split(separator: "\n").first, table.stdout.split(separator: "\n").first, "image ls is images")
        let id = try XCTUnwrap(ids(["imgv/one:1"]).first)
        XCTAssertTrue(id.hasPrefix("sha256:") && id.count == 71, id)
        XCTAssertEqual(ids(["--filter", "reference=imgv/*"]), [id, id], "two names, one id, as docker lists them")
        XCTAssertEqual(cli.run(["images", "-q", "imgv/two:2"]).stdout, String(id.dropFirst(7).prefix(12)) + "\n")
        XCTAssertEqual(cli.run(["images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference=imgv/*"]).stdout.split(separator: "\n").sorted(),
                       ["imgv/one:1", "imgv/two:2"])
        let digests = cli.run(["images", "--digests", "imgv/one"]).stdout
        XCTAssertTrue(digests.hasPrefix("REPOSITORY   TAG   DIGEST   IMAGE ID"), digests)
        XCTAssertTrue(digests.contains("<none>"), "a rootfs import has no manifest digest: \(digests)")
        let json = cli.run(["images", "--format", "json", "imgv/one:1"]).stdout
        let row = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(row["ID"] as? String, String(id.dropFirst(7).prefix(12)))
        XCTAssertEqual(row["Repository"] as? String, "imgv/one")
        let custom = cli.run(["images", "--format", "table {{.Repository}}\t{{.Tag}}", "imgv/two"]).stdout
        XCTAssertEqual(custom, "REPOSITORY   TAG\nimgv/two     2\n")
        XCTAssertEqual(ids(["--filter", "dangling=true"]), [], "Berth keeps no untagged images")
        XCTAssertTrue(ids(["--filter", "dangling=false"]).contains(id))
        XCTAssertEqual(ids(["--filter", "label=no.such.label"]), [])
        XCTAssertEqual(ids(["--filter", "since=busybox", "--filter", "reference=imgv/*"]).count, 2, "imported after busybox")
        XCTAssertEqual(ids(["--filter", "before=imgv/one:1", "--filter", "reference=imgv/*"]), [])
        XCTAssertTrue(cli.run(["images", "-a"]).stdout.contains("imgv/one"))
        assertOneLine(cli.run(["images", "--filter", "dangling=maybe"]), status: 125, saying: "use true or false")
        assertOneLine(cli.run(["images", "--filter", "colour=red"]), status: 125, saying: "invalid filter 'colour'")
        assertOneLine(cli.run(["images", "--filter", "since=no-such-image"]), status: 1, saying: "no such image")
        assertOneLine(cli.run(["images", "--format", "{{.Repository"]), status: 125, saying: "template")
    }

    func testTagValidatesTheReferenceAndMovesANameAsDocker() throws {
        XCTAssertEqual(cli.run(["image", "import-busybox", "--name", "tagsrc:1"]).status, 0)
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "tagsrc:1", "tagged:x", "other:1"]) }
        let before = storeSnapshot()
        for bad in ["evil\nberth: forged", "../../etc/passwd:1", "/abs:1", "UPPER:1", "a:b\u{1b}[31m", "name:" + String(repeating: "t", count: 129), "x:../y"] {
            let r = cli.run(["tag", "tagsrc:1", bad])
            assertOneLine(r, status: 125, saying: "invalid image")
            XCTAssertFalse(r.stderr.contains("\u{1b}"), "control characters are escaped: \(r.stderr)")
        }
        XCTAssertEqual(storeSnapshot(), before, "no refused tag changed the store")
        assertOneLine(cli.run(["tag", "no-such-image", "x:1"]), status: 1, saying: "no such image")
        XCTAssertEqual(cli.run(["tag", "tagsrc:1", "tagged:x"]).status, 0)
        XCTAssertEqual(ids(["tagged:x"]), ids(["tagsrc:1"]))
        // A name that already names another image moves to this one.
        XCTAssertEqual(cli.run(["image", "import-busybox", "--name", "other:1"]).status, 0)
        XCTAssertEqual(cli.run(["image", "tag", "tagged:x", "other:1"]).status, 0)
        XCTAssertEqual(ids(["other:1"]), ids(["tagsrc:1"]))
    }

    func testRmiUntagsANameAndDeletesWithTheLastOne() throws {
        XCTAssertEqual(cli.run(["image", "import-busybox", "--name", "rmi-a:1"]).status, 0)
        addTeardownBlock { [cli] in cli.run(["rm", "-f", "rmi-user"]); cli.run(["rmi", "-f", "rmi-a:1", "rmi-b:1"]) }
        XCTAssertEqual(cli.run(["tag", "rmi-a:1", "rmi-b:1"]).status, 0)
        let id = try XCTUnwrap(ids(["rmi-a:1"]).first)
        let byID = cli.run(["rmi", String(id.dropFirst(7).prefix(12))])
        assertOneLine(byID, status: 1, saying: "must be forced")
        XCTAssertEqual(cli.run(["create", "--name", "rmi-user", "rmi-a:1", "true"]).status, 0)
        assertOneLine(cli.run(["rmi", "rmi-a:1"]), status: 1, saying: "rmi-user")
        // Untagging the other name leaves the image (and the container's name) in place.
        let untag = cli.run(["rmi", "rmi-b:1"])
        XCTAssertEqual(untag.status, 0, untag.stderr)
        XCTAssertEqual(untag.stdout, "Untagged: rmi-b:1\n")
        XCTAssertEqual(ids(["rmi-a:1"]), [id])
        XCTAssertEqual(cli.run(["rm", "rmi-user"]).status, 0)
        // Several names: each tried, the missing one reported, exit 1.
        let r = cli.run(["rmi", "rmi-a:1", "no-such-image"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "Untagged: rmi-a:1\nDeleted: \(id)\n")
        XCTAssertEqual(r.stderr, "berth: no such image: no-such-image\n")
        XCTAssertEqual(ids(["--filter", "reference=rmi-*"]), [])
        assertOneLine(cli.run(["rmi"]), status: 125, saying: "Missing expected argument")
    }

    func testHistoryShowsTheConfigsStepsNewestFirst() throws {
        let dir = try scratchDirectory(self, "history")
        try HostileArchive.write(dir + "/h.tar", history: true)
        let load = cli.run(["load", "-i", dir + "/h.tar"])
        XCTAssertEqual(load.status, 0, load.stderr)
        XCTAssertEqual(load.stdout, "Loaded image: hist/img:1\n")
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "hist/img:1"]) }
        let id = try XCTUnwrap(ids(["hist/img:1"]).first)
        XCTAssertEqual(ids(["--filter", "label=team=imaging"]), [id], "the image config's labels")
        XCTAssertEqual(ids(["--filter", "label=team"]), [id])
        XCTAssertEqual(ids(["--filter", "label=team=other"]), [])
        let table = cli.run(["history", "hist/img:1"]).stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(table.count, 4, table.joined(separator: "\n"))
        XCTAssertTrue(table[0].hasPrefix("IMAGE          CREATED"), table[0])
        XCTAssertTrue(table[1].hasPrefix(String(id.dropFirst(7).prefix(12))) && table[1].contains("CMD [\"sh\"]") && table[1].contains("0B"), table[1])
        XCTAssertTrue(table[2].hasPrefix("<missing>") && table[2].contains("ADD file:abc in /"), table[2])
        XCTAssertTrue(table[3].hasPrefix("<missing>") && table[3].contains("first step"), table[3])
        XCTAssertEqual(cli.run(["history", "-q", "--no-trunc", "hist/img:1"]).stdout, "\(id)\n<missing>\n<missing>\n")
        XCTAssertEqual(cli.run(["image", "history", "--format", "{{.CreatedBy}}|{{.Comment}}", "hist/img:1"]).stdout,
                       "/bin/sh -c #(nop)  CMD [\"sh\"]|\n/bin/sh -c #(nop) ADD file:abc in / |\nfirst step|a comment\n")
        // An image without a history of its own: one row per layer.
        let plain = cli.run(["history", "busybox"]).stdout.split(separator: "\n")
        XCTAssertEqual(plain.count, 2)
        XCTAssertTrue(plain[1].contains("imported from a root filesystem"), String(plain[1]))
        assertOneLine(cli.run(["history", "no-such-image"]), status: 1, saying: "no such image")
    }

    func testSaveRmiLoadRoundTripKeepsTheImageID() throws {
        let dir = try scratchDirectory(self, "saveload")
        XCTAssertEqual(cli.run(["image", "import-busybox", "--name", "rt:1"]).status, 0)
        XCTAssertEqual(cli.run(["tag", "rt:1", "rt/other:2"]).status, 0)
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "rt:1", "rt/other:2"]) }
        let id = try XCTUnwrap(ids(["rt:1"]).first)
        let save = cli.run(["save", "-o", dir + "/rt.tar", "rt:1", "rt/other:2"])
        XCTAssertEqual(save.status, 0, save.stderr)
        let manifest = Subprocess.run("/bin/tar", ["-xOf", dir + "/rt.tar", "manifest.json"])
        let entries = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(manifest.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(entries.count, 1, "one image, two names")
        XCTAssertEqual(entries[0]["RepoTags"] as? [String], ["rt:1", "rt/other:2"])
        XCTAssertEqual(entries[0]["Config"] as? String, String(id.dropFirst(7)) + ".json")
        XCTAssertEqual(cli.run(["rmi", "rt:1", "rt/other:2"]).status, 0)
        XCTAssertEqual(ids(["--filter", "reference=rt*"]), [])
        let load = cli.run(["load", "-i", dir + "/rt.tar"])
        XCTAssertEqual(load.status, 0, load.stderr)
        XCTAssertEqual(load.stdout, "Loaded image: rt:1\nLoaded image: rt/other:2\n")
        XCTAssertEqual(ids(["rt:1"]), [id], "the same image id after save, rmi and load")
        XCTAssertEqual(ids(["rt/other:2"]), [id])
        let run = cli.run(["run", "--rm", "--network", "none", "rt/other:2", "echo", "loaded"])
        XCTAssertEqual(run.stdout, "loaded\n", run.stderr)
        // stdout to stdin, and `image save`/`image load`.
        XCTAssertEqual(cli.run(["rmi", "rt/other:2"]).status, 0)
        let piped = berthShell("BERTH image save rt:1 | BERTH image load")
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(piped.stdout, "Loaded image: rt:1\n")
        XCTAssertEqual(ids(["rt:1"]), [id])
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/tmp")) ?? []
        XCTAssertEqual(leftovers, [], "the spooled stdin is gone")
        // Nothing is written for a missing image, and no half file is left.
        assertOneLine(cli.run(["save", "-o", dir + "/none.tar", "rt:1", "no-such-image"]), status: 1, saying: "no such image")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/none.tar"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["rt.tar"])
        assertOneLine(cli.run(["save", "--format", "zip", "rt:1"]), status: 125, saying: "unknown archive format")
    }

    func testSaveAsOCIArchiveIsReadBySkopeo() throws {
        let skopeo = try Prerequisite.requireTool("skopeo")
        let dir = try scratchDirectory(self, "saveoci")
        let save = cli.run(["save", "--format", "oci-archive", "-o", dir + "/o.tar", "busybox"])
        XCTAssertEqual(save.status, 0, save.stderr)
        let inspect = Subprocess.run(skopeo, ["inspect", "--config", "oci-archive:" + dir + "/o.tar"])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        let config = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
        XCTAssertNotNil((config["rootfs"] as? [String: Any])?["diff_ids"])
        let copy = Subprocess.run(skopeo, ["copy", "oci-archive:" + dir + "/o.tar", "docker-archive:" + dir + "/d.tar:copied/bb:1"], timeout: 120)
        XCTAssertEqual(copy.status, 0, copy.stderr)
        let load = cli.run(["load", "-i", dir + "/d.tar"])
        XCTAssertEqual(load.stdout, "Loaded image: copied/bb:1\n", load.stderr)
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "copied/bb:1"]) }
        XCTAssertEqual(ids(["copied/bb:1"]), ids(["busybox"]), "skopeo keeps the config, so the id")
    }

    /// Hostile archives: each refused with one line and exit 1 (a failed load, as docker's), the
    /// store exactly as before, nothing written outside it.
    func testLoadRefusesHostileArchivesAndLeavesTheStoreUnchanged() throws {
        let dir = try scratchDirectory(self, "hostileload")
        let canary = dir + "/canary"
        try FileManager.default.createDirectory(atPath: canary, withIntermediateDirectories: true)
        let before = storeSnapshot()
        let cases: [(HostileArchive.Kind, String)] = [
            (.layerPathEscapes, "layer"),
            (.entryEscapes, "'..'"),
            (.entryThroughAbsoluteSymlink, "symlink"),
            (.layerIsAbsoluteSymlink, "layer"),
            (.missingBlob, "missing"),
            (.hugeManifest, "too large"),
            (.configDigestMismatch, "digest mismatch"),
            (.rootfsTarball, "not an image archive"),
            (.hostileRepoTag, "invalid RepoTag 'evil\\nberth: forged:1'"),
        ]
        for (kind, fragment) in cases {
            let file = dir + "/\(kind).tar"
            try HostileArchive.write(file, kind: kind, canary: canary)
            let r = cli.run(["load", "-i", file])
            assertOneLine(r, status: 1, saying: fragment)
            XCTAssertEqual(r.stdout, "", "\(kind)")
            XCTAssertEqual(storeSnapshot(), before, "\(kind) changed the store")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: canary), [], "\(kind) wrote outside the store")
        }
        let piped = berthShell("cat \(dir)/missingBlob.tar | BERTH load")
        XCTAssertEqual(piped.status, 1, piped.stderr)
        XCTAssertEqual(storeSnapshot(), before)
        assertOneLine(cli.run(["load", "-i", dir]), status: 1, saying: "is not a file")
    }

    func testImagePruneAllSystemDFAndSystemPrune() throws {
        XCTAssertEqual(cli.run(["image", "import-busybox", "--name", "prune-me:1"]).status, 0)
        XCTAssertEqual(cli.run(["create", "--name", "df-user", "--network", "none", "busybox", "true"]).status, 0)
        addTeardownBlock { [cli] in cli.run(["rm", "-f", "df-user"]); cli.run(["rmi", "-f", "prune-me:1"]) }
        let df = cli.run(["system", "df"])
        XCTAssertEqual(df.status, 0, df.stderr)
        let lines = df.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        XCTAssertEqual(lines.first, ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"])
        XCTAssertEqual(Array(lines[1].prefix(3)), ["Images", "2", "1"], "busybox is used, prune-me is not")
        XCTAssertEqual(Array(lines[2].prefix(3)), ["Containers", "1", "0"])
        XCTAssertEqual(Array(lines[4].prefix(2)), ["Build", "Cache"])
        let rows = cli.run(["system", "df", "--format", "{{.Type}}={{.TotalCount}}"]).stdout
        XCTAssertEqual(rows, "Images=2\nContainers=1\nLocal Volumes=0\nBuild Cache=0\n")
        let verbose = cli.run(["system", "df", "-v"]).stdout
        XCTAssertTrue(verbose.contains("Images space usage:") && verbose.contains("prune-me") && verbose.contains("df-user"), verbose)
        // image prune -a: the image no container was made from goes; busybox, used, stays.
        let prune = cli.run(["image", "prune", "-a", "-f"])
        XCTAssertEqual(prune.status, 0, prune.stderr)
        XCTAssertTrue(prune.stdout.contains("untagged: prune-me:1"), prune.stdout)
        XCTAssertFalse(prune.stdout.contains("busybox"), prune.stdout)
        XCTAssertTrue(prune.stdout.contains("\ndeleted: sha256:") && prune.stdout.contains("Total reclaimed space: "), prune.stdout)
        XCTAssertFalse(prune.stdout.hasSuffix("Total reclaimed space: 0B\n"), "its own layer went: \(prune.stdout)")
        XCTAssertEqual(ids(["prune-me:1"]), [])
        // system prune asks; "n" keeps everything.
        let declined = cli.run(["system", "prune"], stdin: "n\n")
        XCTAssertEqual(declined.status, 0)
        XCTAssertTrue(declined.stderr.contains("Are you sure you want to continue? [y/N]"), declined.stderr)
        XCTAssertEqual(cli.run(["ps", "-a", "-q", "--filter", "name=df-user"]).stdout.isEmpty, false)
        let pruned = cli.run(["system", "prune", "-f", "--volumes"])
        XCTAssertEqual(pruned.status, 0, pruned.stderr)
        XCTAssertTrue(pruned.stdout.hasPrefix("Deleted Containers:\n"), pruned.stdout)
        XCTAssertEqual(cli.run(["ps", "-a", "-q", "--filter", "name=df-user"]).stdout, "")
        XCTAssertFalse(ids(["busybox"]).isEmpty, "without -a images stay")
    }

    /// `commit`: the writable layer becomes the new image's top layer (deletions as whiteouts,
    /// an emptied directory opaque), with a history step; the store is unchanged after a refusal.
    func testCommitMakesAnImageOfTheContainersChanges() throws {
        XCTAssertEqual(cli.run(["run", "--name", "to-commit", "--network", "none", "busybox", "sh", "-c",
                                "echo kept > /new && rm /bin/ls && rm -rf /home && mkdir /home && echo only > /home/only"]).status, 0)
        addTeardownBlock { [cli] in cli.run(["rm", "-f", "to-commit"]); cli.run(["rmi", "-f", "committed:1"]) }
        let before = storeSnapshot()
        assertOneLine(cli.run(["commit", "to-commit", "Bad:Name"]), status: 125, saying: "invalid image name")
        assertOneLine(cli.run(["commit", "no-such-box", "committed:1"]), status: 1, saying: "no such container")
        XCTAssertEqual(storeSnapshot(), before)
        let r = cli.run(["commit", "-m", "my change", "to-commit", "committed:1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, (ids(["committed:1"]).first ?? "?") + "\n")
        let run = cli.run(["run", "--rm", "--network", "none", "committed:1", "sh", "-c", "cat /new; ls /home; test -e /bin/ls || echo gone"])
        XCTAssertEqual(run.stdout, "kept\nonly\ngone\n", run.stderr)
        let history = cli.run(["history", "--format", "{{.CreatedBy}}|{{.Comment}}", "committed:1"]).stdout.split(separator: "\n")
        XCTAssertEqual(history.first, "berth commit to-commit|my change")
        XCTAssertEqual(history.count, 2, "the busybox layer below: \(history)")
        let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/layers")) ?? []).filter { $0.hasPrefix(".") }
            + ((try? FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/tmp")) ?? [])
        XCTAssertEqual(leftovers, [], "no temporaries left")
    }
}
