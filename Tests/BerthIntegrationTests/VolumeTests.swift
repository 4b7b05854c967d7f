import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Named and anonymous volumes against real containers: `volume create/ls/inspect/rm/prune`,
/// data outliving containers, docker's seeding from the image (across layers and whiteouts), the
/// in-use refusal, `--rm`/`rm -v`, a failed `run` or a killed create leaving no volume behind, and
/// an image whose volume path is a symlink to the host's /etc (contained, host unchanged).
final class VolumeTests: ContainerTestCase {
    override class var rootLabel: String { "volumes" }

    override func tearDown() {
        // Volumes are the root's, not a container's: each test starts without any.
        if let root = Self.root {
            root.removeContainers()
            root.cli.run(["volume", "prune", "--all"])
        }
        super.tearDown()
    }

    private func volumeNames() -> [String] {
        cli.run(["volume", "ls", "-q"]).stdout.split(separator: "\n").map(String.init).sorted()
    }

    private func dataPath(_ name: String) -> String { cli.root + "/volumes/" + name + "/_data" }

    /// An OCI image of busybox plus `layers` (HandMadeImages recipes) and `config`, imported as `name`.
    private func importImage(_ name: String, config: [String: Any], layers: [[String: Any]]) throws {
        try Prerequisite.requireTool("python3")
        let dir = try scratchDirectory(self, "vol-img-" + name)
        try HandMadeImages.make(["format": "oci", "out": dir + "/img", "images": [
            ["config": config.merging(["Env": ["PATH=/bin"]]) { a, _ in a }, "layers": [["busybox": true]] + layers]]])
        let r = cli.run(["image", "import", dir + "/img", "--name", name])
        XCTAssertEqual(r.status, 0, r.stderr)
        addTeardownBlock { [cli] in cli.run(["image", "rm", "-f", name]) }
    }

    func testNamedVolumeOutlivesItsContainersAndIsListed() throws {
        XCTAssertEqual(cli.run(["volume", "create", "data"]).stdout, "data\n")
        XCTAssertEqual(cli.run(["volume", "create", "data"]).status, 0, "create of an existing volume keeps it, as docker's")
        let w = cli.run(["run", "--rm", "--network", "none", "-v", "data:/var/lib/app", "busybox", "sh", "-c", "echo kept > /var/lib/app/f"])
        XCTAssertEqual(w.status, 0, w.stderr)
        let r = cli.run(["run", "--rm", "--network", "none", "--mount", "src=data,dst=/d,readonly", "busybox", "cat", "/d/f"])
        XCTAssertEqual(r.stdout, "kept\n", r.stderr)
        XCTAssertEqual(volumeNames(), ["data"])
        let inspect = try XCTUnwrap((try cli.json(["volume", "inspect", "data"]) as? [[String: Any]])?.first)
        XCTAssertEqual(inspect["Mountpoint"] as? String, dataPath("data"))
        XCTAssertEqual(inspect["UsedBy"] as? [String], [])
        XCTAssertEqual(try String(contentsOfFile: dataPath("data") + "/f", encoding: .utf8), "kept\n")
    }

    func testFirstUseCreatesTheVolumeAndSeedsItFromTheImageOnce() throws {
        // Layer 2 makes /data with a, b and sub/c; layer 3 whites out b and replaces a.
        try importImage("vol-seed", config: ["Volumes": ["/cache": [:]]], layers: [
            ["dirs": ["data", "data/sub"], "files": ["data/a": "one", "data/b": "two", "data/sub/c": "three"]],
            ["files": ["data/a": "one-v2", "data/.wh.b": ""]],
        ])
        let r = cli.run(["run", "--rm", "--network", "none", "-v", "seeded:/data", "vol-seed", "sh", "-c",
                         "cat /data/a; ls /data; echo new > /data/mine"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "one-v2a\nsub\n")
        XCTAssertEqual(try String(contentsOfFile: dataPath("seeded") + "/sub/c", encoding: .utf8), "three")
        // Not empty any more: a second container sees the data, not the image again.
        try FileManager.default.removeItem(atPath: dataPath("seeded") + "/a")
        let again = cli.run(["run", "--rm", "--network", "none", "-v", "seeded:/data", "vol-seed", "ls", "/data"])
        XCTAssertEqual(again.stdout, "mine\nsub\n", again.stderr)
        // nocopy: the volume stays empty.
        let empty = cli.run(["run", "--rm", "--network", "none", "-v", "bare:/data:nocopy", "vol-seed", "ls", "/data"])
        XCTAssertEqual(empty.status, 0, empty.stderr)
        XCTAssertEqual(empty.stdout, "")
        // The image's anonymous /cache volume went with --rm; the named ones stay.
        XCTAssertEqual(volumeNames(), ["bare", "seeded"])
    }

    func testAVolumeInUseIsNotRemovedAndPruneKeepsIt() throws {
        XCTAssertEqual(cli.run(["create", "--name", "holder", "--network", "none", "-v", "held:/d", "busybox", "true"]).status, 0)
        let rm = cli.run(["volume", "rm", "held"])
        XCTAssertEqual(rm.status, 1, rm.stderr)
        XCTAssertEqual(rm.stderr, "berth: volume 'held' is in use by 'holder': remove the container first\n")
        XCTAssertEqual(cli.run(["volume", "prune", "--all"]).stdout, "Total: 0 volumes removed\n")
        XCTAssertEqual(cli.run(["rm", "holder"]).status, 0)
        XCTAssertEqual(volumeNames(), ["held"], "rm without -v keeps a named volume")
        XCTAssertEqual(cli.run(["volume", "prune"]).stdout, "Total: 0 volumes removed\n", "prune without --all keeps named volumes")
        XCTAssertEqual(cli.run(["volume", "prune", "-a"]).stdout, "Deleted Volumes:\nheld\nTotal: 1 volume removed\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.root + "/volumes/held"))
        XCTAssertEqual(cli.run(["volume", "rm", "-f", "held"]).status, 0)
        let missing = cli.run(["volume", "rm", "held"])
        XCTAssertEqual(missing.stderr, "berth: no such volume: 'held'\n")
    }

    func testAnonymousVolumesGoWithRmDashVAndRunDashDashRm() throws {
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "-v", "/scratch", "busybox", "true"]).status, 0)
        XCTAssertEqual(volumeNames(), [], "--rm removes the container's anonymous volumes")
        XCTAssertEqual(cli.run(["run", "--name", "a1", "--network", "none", "-v", "/scratch", "-v", "named:/n", "busybox", "true"]).status, 0)
        XCTAssertEqual(volumeNames().count, 2)
        XCTAssertEqual(cli.run(["rm", "-v", "a1"]).status, 0)
        XCTAssertEqual(volumeNames(), ["named"], "rm -v removes anonymous volumes only")
        XCTAssertEqual(cli.run(["run", "--name", "a2", "--network", "none", "-v", "/scratch", "busybox", "true"]).status, 0)
        XCTAssertEqual(cli.run(["rm", "a2"]).status, 0)
        XCTAssertEqual(volumeNames().count, 2, "rm without -v keeps it, for prune")
        XCTAssertEqual(cli.run(["volume", "prune"]).status, 0)
        XCTAssertEqual(volumeNames(), ["named"])
    }

    func testAFailedRunRemovesTheVolumesItMadeAndKeepsOthers() throws {
        XCTAssertEqual(cli.run(["volume", "create", "existing"]).status, 0)
        let r = cli.run(["run", "--rm", "--network", "none", "-v", "made:/m", "-v", "existing:/e", "-v", "/anon", "busybox", "no-such-command"])
        XCTAssertEqual(r.status, 127, r.stderr)
        XCTAssertEqual(volumeNames(), ["existing"])
    }

    func testAKilledCreateLeavesNoHalfMadeVolume() throws {
        for step in ["volume-create-staged", "create-attached-volumes", "volume-seed-copied"] {
            let r = Subprocess.run("/usr/bin/env", ["BERTH_TEST_CRASH_AT=" + step, BerthCLI.binary, "--root", cli.root,
                                                    "--cgroup-parent", cli.cgroupParent, "create", "--network", "none",
                                                    "-v", "crashy:/bin", "busybox", "true"])
            XCTAssertNotEqual(r.status, 0, "\(step): the crash point was not reached")
            // The next command, whatever it is, finishes or removes what was left.
            XCTAssertEqual(cli.run(["ps", "-a", "-q"]).stdout, "", step)
            let left = ((try? FileManager.default.contentsOfDirectory(atPath: cli.root + "/volumes")) ?? []).sorted()
            XCTAssertEqual(left, [], "\(step) left \(left)")
        }
        // `volume create` killed after staging, then `volume ls`.
        let r = Subprocess.run("/usr/bin/env", ["BERTH_TEST_CRASH_AT=volume-create-staged", BerthCLI.binary, "--root", cli.root,
                                                "volume", "create", "half"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(volumeNames(), [])
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: cli.root + "/volumes")) ?? [], [])
    }

    func testVolumeNamesAreCheckedBeforeTheyBecomePaths() {
        for args in [["volume", "create", "../escape"], ["volume", "rm", "../../etc"], ["volume", "inspect", "a/b"],
                     ["run", "--rm", "-v", "../x:/d", "busybox", "true"], ["run", "--rm", "--mount", "src=a/b,dst=/d", "busybox", "true"]] {
            let r = cli.run(args)
            XCTAssertEqual(r.status, 125, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("berth: "), r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.root + "/escape"))
    }

    func testVolumesFromTakesTheOtherContainersVolumesAndBinds() throws {
        let dir = try scratchDirectory(self, "volfrom")
        try "bound\n".write(toFile: dir + "/f", atomically: false, encoding: .utf8)
        let c = cli.run(["create", "--name", "source", "--network", "none", "-v", "shared:/data", "-v", dir + ":/b:ro",
                         "--tmpfs", "/t", "busybox", "true"])
        XCTAssertEqual(c.status, 0, c.stderr)
        let r = cli.run(["run", "--name", "taker", "--network", "none", "--volumes-from", "source", "busybox", "sh", "-c",
                         "echo v > /data/v; cat /b/f; touch /b/x 2>/dev/null || echo ro; grep -c ' /t ' /proc/mounts"])
        XCTAssertEqual(r.stdout, "bound\nro\n0\n", r.stderr)
        let rw = cli.run(["run", "--rm", "--network", "none", "--volumes-from", "source:rw", "-v", dir + ":/data", "busybox", "sh", "-c",
                          "touch /b/x && ls /data"])
        XCTAssertEqual(rw.stdout, "f\nx\n", "the -v given wins over the taken /data: \(rw.stderr)")
        XCTAssertEqual(try String(contentsOfFile: dataPath("shared") + "/v", encoding: .utf8), "v\n")
        XCTAssertEqual(cli.run(["rm", "source"]).status, 0)
        XCTAssertTrue(cli.run(["volume", "rm", "shared"]).stderr.contains("in use by 'taker'"))
        let bad = cli.run(["run", "--rm", "--volumes-from", "taker:rx", "busybox", "true"])
        XCTAssertEqual(bad.status, 125, bad.stderr)
        XCTAssertEqual(cli.run(["run", "--rm", "--volumes-from", "nobody", "busybox", "true"]).stderr, "berth: no such container: nobody\n")
    }

    /// The image's volume path is a link to /etc (absolute and climbing): nothing of the host's
    /// /etc is copied into the volume, the volume lands on the container's own /etc, the host's is unchanged.
    func testAnImageVolumeThatIsASymlinkToTheHostsEtcIsContained() throws {
        let before = (try? FileManager.default.contentsOfDirectory(atPath: "/etc"))?.sorted()
        for (name, link) in [("vol-etc-abs", "/etc"), ("vol-etc-rel", "../../../../../../etc")] {
            try importImage(name, config: ["Volumes": ["/data": [:]]], layers: [["symlinks": ["data": link]]])
            let r = cli.run(["run", "--name", name, "--network", "none", "-v", "v-\(name):/data", name, "sh", "-c",
                             "ls /data; echo planted > /data/berth-planted"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, "", "the volume was seeded through the link: \(r.stdout)")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dataPath("v-" + name)), ["berth-planted"])
            XCTAssertFalse(FileManager.default.fileExists(atPath: "/etc/berth-planted"))
        }
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: "/etc"))?.sorted(), before)
    }
}
