import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `berth build` with the Dockerfile 1.4 features, on the busybox image the suite imports:
/// heredocs in RUN and COPY, `RUN --mount` (cache, bind, secret, tmpfs) and `RUN --network`.
/// What a mount brings must never be in the image: each test reads the saved image's layer
/// tars for it.
final class BuildHeredocMountTests: ContainerTestCase {
    override class var rootLabel: String { "build-mounts" }

    /// The paths in the image's layers above busybox's, and whether the saved image's bytes
    /// (every layer tar, the config, the history) contain `text`.
    private func savedImage(_ image: String) throws -> (paths: [String], bytes: Data) {
        let dir = Self.root.path + "/saved-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let save = cli.run(["save", "-o", dir + "/image.tar", image])
        XCTAssertEqual(save.status, 0, save.stderr)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/image.tar"))
        XCTAssertEqual(Subprocess.run("/bin/tar", ["-C", dir, "-xf", dir + "/image.tar"]).status, 0)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))) as? [[String: Any]]
        let layers = try XCTUnwrap(manifest?.first?["Layers"] as? [String])
        var paths: [String] = []
        for layer in layers.dropFirst() { // the first is busybox's own
            let list = Subprocess.run("/bin/tar", ["-tf", dir + "/" + layer])
            XCTAssertEqual(list.status, 0, list.stderr)
            paths += list.stdout.split(separator: "\n").map { String($0.hasSuffix("/") ? $0.dropLast() : $0[...]) }
        }
        return (paths, bytes)
    }

    private func run(_ image: String, _ script: String) -> String {
        cli.run(["run", "--rm", "--network", "none", image, "sh", "-c", script]).stdout
    }

    func testHeredocsInRunAndCopy() throws {
        let dockerfile = """
            FROM busybox
            ARG WHO=builder
            RUN <<EOF
            echo "made by $WHO" > /made
            EOF
            RUN cat <<"Q" > /quoted && cat <<U > /unquoted
            $WHO
            Q
            $WHO
            U
            RUN <<-EOF sh
            \techo tabs stripped > /tabs
            \tEOF
            COPY <<conf.txt /etc/app/conf.txt
            name=$WHO "kept"
            conf.txt
            COPY --chown=1000:1000 <<a.txt <<'b.txt' /files/
            A $WHO
            a.txt
            B $WHO
            b.txt
            RUN <<EOF
            #!/bin/sh
            echo "script as $0" > /script-ran
            EOF
            """
        let dir = try context(["Dockerfile": dockerfile])
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "heredoc:1", "heredoc:2"]) }
        let r = build(["-t", "heredoc:1", dir])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(run("heredoc:1", "cat /made /quoted /unquoted /tabs /etc/app/conf.txt /files/a.txt /files/b.txt /script-ran"),
                       "made by builder\n$WHO\nbuilder\ntabs stripped\nname=builder \"kept\"\nA builder\nB $WHO\nscript as /dev/pipes/EOF\n")
        XCTAssertEqual(run("heredoc:1", "stat -c '%a %u:%g' /etc/app/conf.txt /files/a.txt /files/b.txt"),
                       "644 0:0\n644 1000:1000\n644 1000:1000\n")
        let paths = try savedImage("heredoc:1").paths
        XCTAssertFalse(paths.contains { $0.hasPrefix("dev/pipes") }, "the script's mount is not in a layer: \(paths)")
        XCTAssertTrue(paths.contains("etc/app/conf.txt"), "\(paths)")

        // The body is part of the cache key: the same Dockerfile hits, a changed body misses.
        let again = build(["-t", "heredoc:1", dir])
        XCTAssertEqual(again.stdout.components(separatedBy: "--> CACHED").count - 1, 6, again.stdout)
        try dockerfile.replacingOccurrences(of: "B $WHO", with: "B2 $WHO").write(toFile: dir + "/Dockerfile", atomically: false, encoding: .utf8)
        let changed = build(["-t", "heredoc:2", dir])
        XCTAssertEqual(changed.status, 0, changed.stderr)
        XCTAssertEqual(run("heredoc:2", "cat /files/b.txt"), "B2 $WHO\n")
        XCTAssertEqual(changed.stdout.components(separatedBy: "--> CACHED").count - 1, 4, "only the steps before it hit: \(changed.stdout)")

        try "FROM busybox\nRUN true\nRUN <<EOF\necho never ends\n".write(toFile: dir + "/Dockerfile", atomically: false, encoding: .utf8)
        assertOneLine(build(["-t", "heredoc:3", dir]), status: 125, saying: "Dockerfile:3: unterminated heredoc <<EOF")
        try "FROM busybox\nCOPY <<../../x /d/\nx\n../../x\n".write(toFile: dir + "/Dockerfile", atomically: false, encoding: .utf8)
        assertOneLine(build(["-t", "heredoc:3", dir]), status: 125, saying: "Dockerfile:2: heredoc name")
        XCTAssertEqual(leftovers(), [])
    }

    func testCacheMountSurvivesBuildsAndIsNotInTheImage() throws {
        let step = "RUN --mount=type=cache,target=/var/cache/thing,id=thing,sharing=locked echo %@ >> /var/cache/thing/log && cp /var/cache/thing/log /seen"
        let dir = try context(["Dockerfile": "FROM busybox\n" + String(format: step, "one") + "\n"])
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "cachemount:1", "cachemount:2"]) }
        let first = build(["-t", "cachemount:1", dir])
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        try ("FROM busybox\n" + String(format: step, "two") + "\n").write(toFile: dir + "/Dockerfile", atomically: false, encoding: .utf8)
        let second = build(["-t", "cachemount:2", dir])
        XCTAssertEqual(second.status, 0, second.stdout + second.stderr)
        XCTAssertEqual(run("cachemount:2", "cat /seen; test -e /var/cache/thing && echo present"), "one\ntwo\n",
                       "the second build saw the first one's file; the cache directory is not in the image")
        for image in ["cachemount:1", "cachemount:2"] {
            let paths = try savedImage(image).paths
            XCTAssertFalse(paths.contains { $0.hasPrefix("var/cache/thing") }, "\(image): \(paths)")
            XCTAssertTrue(paths.contains("seen"), "\(image): \(paths)")
        }

        try "FROM busybox\nRUN --mount=type=cache,target=/c,id=../../etc true\n".write(toFile: dir + "/Dockerfile", atomically: false, encoding: .utf8)
        assertOneLine(build(["-t", "cachemount:3", dir]), status: 125, saying: "invalid cache id '../../etc'")
        XCTAssertEqual(leftovers(), [])
    }

    func testBindMountReadsTheContextAndCannotLeaveIt() throws {
        let dir = try context(["Dockerfile": """
            FROM busybox
            RUN --mount=type=bind,source=conf/app.conf,target=/mnt/app.conf cat /mnt/app.conf > /read
            RUN --mount=type=bind,source=conf,target=/src,rw echo scribble > /src/new && cat /src/app.conf > /read2
            """, "conf/app.conf": "from the context\n"])
        XCTAssertEqual(symlink("/etc", dir + "/etclink"), 0)
        XCTAssertEqual(symlink("/etc/passwd", dir + "/pw"), 0)
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "bindmount:1"]) }
        let r = build(["-t", "bindmount:1", dir])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(run("bindmount:1", "cat /read /read2; ls /mnt /src 2>&1 | wc -l"), "from the context\nfrom the context\n2\n",
                       "both read the context; no mountpoint is left in the image (ls fails twice)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/conf/new"), "an rw bind's writes are discarded")
        let paths = try savedImage("bindmount:1").paths
        XCTAssertFalse(paths.contains { $0.hasPrefix("mnt") || $0.hasPrefix("src") }, "\(paths)")

        for (mount, fragment) in [("source=../../etc,target=/x", "outside the build context"),
                                  ("source=etclink/passwd,target=/x", "RUN --mount source='etclink/passwd': 'etclink/passwd': no such file or directory in the build context"),
                                  ("source=pw,target=/x", "is a symlink")] {
            try "FROM busybox\nRUN --mount=type=bind,\(mount) cat /x\n".write(toFile: dir + "/Dockerfile", atomically: false, encoding: .utf8)
            assertOneLine(build(["-t", "bindmount:2", dir]), status: 125, saying: fragment)
        }
        XCTAssertEqual(cli.run(["images", "-q", "bindmount:2"]).stdout, "")
        XCTAssertEqual(leftovers(), [])
    }

    func testSecretIsReadByRunAndNeverStored() throws {
        let secret = "s3cr3t-" + UUID().uuidString
        let dir = try context(["Dockerfile": """
            FROM busybox
            RUN --mount=type=secret,id=tok sha256sum /run/secrets/tok | cut -c1-64 > /checked
            RUN --mount=type=secret,id=tok,target=/opt/tok,mode=0440,uid=1000,required=true stat -c '%a %u' /opt/tok > /meta
            """, "secret.txt": secret])
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "secret:1"]) }
        // The Dockerfile names only the secret's digest, so the secret's text can only come from --secret.
        let digest = Subprocess.run("/usr/bin/sha256sum", [dir + "/secret.txt"]).stdout.prefix(64)
        XCTAssertEqual(digest.count, 64)
        let r = build(["-t", "secret:1", "--secret", "id=tok,src=\(dir)/secret.txt", dir])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertFalse(r.stdout.contains(secret) || r.stderr.contains(secret), "not in the build output")
        XCTAssertEqual(run("secret:1", "cat /checked /meta; test -e /run/secrets && echo present; test -e /opt/tok && echo present"),
                       "\(digest)\n440 1000\n", "RUN read the secret")
        let saved = try savedImage("secret:1")
        XCTAssertNil(saved.bytes.range(of: Data(secret.utf8)), "the secret is in no layer, config or history")
        XCTAssertFalse(saved.paths.contains { $0.hasPrefix("run/secrets") || $0.hasPrefix("opt") }, "\(saved.paths)")
        XCTAssertFalse(cli.run(["history", "--no-trunc", "secret:1"]).stdout.contains(secret))

        assertOneLine(build(["-t", "secret:2", dir]), status: 125, saying: "Dockerfile:3: RUN --mount=type=secret: the secret 'tok' is required")
        assertOneLine(build(["-t", "secret:2", "--secret", "id=../tok,src=/etc/hostname", dir]), status: 125, saying: "invalid secret id")
        XCTAssertEqual(leftovers(), [])
    }

    func testTmpfsAndNetworkNone() throws {
        let dir = try context(["Dockerfile": """
            FROM busybox
            RUN ls /sys/class/net > /default-net
            RUN --network=none ls /sys/class/net > /none-net
            RUN --mount=type=tmpfs,target=/scratch,size=1m echo gone > /scratch/f && grep -c ' /scratch tmpfs ' /proc/mounts > /tmpfs-seen
            """])
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "netnone:1"]) }
        // The build's own network is the host's, so the step without the flag sees more than lo.
        let r = cli.run(["build", "--network", "host", "-t", "netnone:1", dir], timeout: 120)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(run("netnone:1", "cat /none-net /tmpfs-seen; test -e /scratch && echo present"), "lo\n1\n")
        XCTAssertNotEqual(run("netnone:1", "cat /default-net"), "lo\n", "the default step had the host's interfaces")
        XCTAssertFalse(try savedImage("netnone:1").paths.contains { $0.hasPrefix("scratch") })

        try "FROM busybox\nRUN --network=host true\n".write(toFile: dir + "/Dockerfile", atomically: false, encoding: .utf8)
        assertOneLine(build(["-t", "netnone:2", dir]), status: 125, saying: "RUN --network=host is refused")
        XCTAssertEqual(leftovers(), [])
    }

    /// A build killed while a step with mounts runs: the next command removes its container and
    /// its temporaries (the bind copy, the secret's file); the cache directory stays, whole.
    func testABuildKilledDuringAMountedStepLeavesNoSecretOrCopy() throws {
        let dir = try context(["Dockerfile": """
            FROM busybox
            RUN --mount=type=cache,target=/cache,id=killed --mount=type=bind,source=data,target=/data --mount=type=secret,id=tok sleep 60
            """, "data/x": "x\n", "secret.txt": "killed-secret\n"])
        let builder = try startBuildUntilItsStepRuns(["-t", "killed:1", "--secret", "id=tok,src=\(dir)/secret.txt", dir])
        XCTAssertFalse(leftovers().isEmpty, "while it runs, the step's temporaries exist")
        kill(builder.processIdentifier, SIGKILL)
        builder.waitUntilExit()
        XCTAssertEqual(cli.run(["ps", "-a", "-q"]).stdout, "", "the next command removed its container")
        XCTAssertEqual(leftovers(), [], "and the bind copy and the secret's file")
        let grep = Subprocess.run("/bin/grep", ["-r", "-l", "killed-secret", Self.root.path + "/tmp", Self.root.path + "/build-mounts"])
        XCTAssertEqual(grep.stdout, "", "the secret is nowhere in the store")
        let key = Subprocess.run("/bin/sh", ["-c", "printf %s killed | sha256sum"]).stdout.prefix(64)
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: Self.root.path + "/build-mounts/" + key, isDirectory: &isDirectory) && isDirectory.boolValue,
                      "the cache directory (named by its id's digest) was made whole")
    }

    /// `system df` counts the build cache (cache mounts and the step layers only it holds: here a
    /// first stage's) and `builder prune` removes it, but not a cache mount a running build holds.
    func testSystemDFCountsTheBuildCacheAndBuilderPruneRemovesWhatNoBuildHolds() throws {
        let key = { (id: String) in String(Subprocess.run("/bin/sh", ["-c", "printf %s \(id) | sha256sum"]).stdout.prefix(64)) }
        let mounts = Self.root.path + "/build-mounts/"
        let dir = try context(["Dockerfile": """
            FROM busybox AS work
            RUN --mount=type=cache,target=/c,id=dfcache head -c 300000 /dev/urandom > /c/blob && head -c 200000 /dev/urandom > /work.bin
            FROM busybox
            RUN echo two > /two
            """])
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "dfcache:1"]) }
        // The class's other tests leave cache behind: counted from none.
        XCTAssertEqual(cli.run(["builder", "prune", "-a", "-f"]).status, 0)
        let r = build(["-t", "dfcache:1", dir])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        func row() -> [String] {
            let line = cli.run(["system", "df", "--format", "{{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}"]).stdout
                .split(separator: "\n").last.map(String.init) ?? ""
            return line.split(separator: " ").map(String.init)
        }
        // Two cached steps and one mount; the first stage's layer (200 kB) and the mount (300 kB).
        let counted = row()
        XCTAssertEqual(counted.prefix(2), ["3", "0"], "\(counted)")
        let kib = counted.count == 4 && counted[2].hasSuffix("KiB") ? Double(counted[2].dropLast(3)) ?? 0 : 0
        XCTAssertTrue(kib > 480 && kib < 520, "\(counted)")
        XCTAssertTrue(cli.run(["system", "df", "-v"]).stdout.contains(String(key("dfcache").prefix(12)) + "   exec.cachemount"))
        let layers = Set(try FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/layers").filter { !$0.hasPrefix(".") })

        // A build holding another mount keeps it through a prune.
        try "FROM busybox\nRUN --mount=type=cache,target=/c,id=held,sharing=locked sleep 60\n".write(toFile: dir + "/Dockerfile", atomically: false, encoding: .utf8)
        let builder = try startBuildUntilItsStepRuns(["-t", "held:1", dir])
        XCTAssertEqual(row().dropFirst().first, "1", "the held mount is active")
        let prune = cli.run(["builder", "prune", "-f"])
        XCTAssertEqual(prune.status, 0, prune.both)
        XCTAssertTrue(prune.stdout.contains("Deleted build cache objects:") && prune.stdout.contains(String(key("dfcache").prefix(12))), prune.stdout)
        XCTAssertTrue(prune.stdout.contains("1 cached step\n"), "the image's own step stays: \(prune.stdout)")
        XCTAssertTrue(prune.stdout.contains("Total reclaimed space: "), prune.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: mounts + key("dfcache")), "the unused mount is gone")
        XCTAssertTrue(FileManager.default.fileExists(atPath: mounts + key("held")), "the held mount stays")
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/layers").filter { !$0.hasPrefix(".") })
        XCTAssertEqual(layers.subtracting(after).count, 1, "the first stage's layer went")
        kill(builder.processIdentifier, SIGKILL)
        builder.waitUntilExit()
        cli.run(["ps", "-a"]) // the next command finishes the killed build's removal

        // Without -f it asks, and "n" does nothing; -a forgets every step and every free mount.
        XCTAssertEqual(cli.run(["builder", "prune"], stdin: "n\n").stdout, "")
        XCTAssertTrue(FileManager.default.fileExists(atPath: mounts + key("held")))
        XCTAssertEqual(cli.run(["builder", "prune", "-a", "-f"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: mounts + key("held")))
        XCTAssertEqual(row().prefix(2), ["0", "0"])
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "dfcache:1", "cat", "/two"]).stdout, "two\n", "the image is untouched")
        XCTAssertEqual(leftovers(), [])
    }
}
