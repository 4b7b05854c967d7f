import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `berth build` against the real binary, on the busybox image the suite imports: multi-stage
/// builds whose RUN steps are real containers, `.dockerignore`, the build cache, `--target`,
/// `--build-arg`, `COPY --chown`, ADD of a tar, the image config and history; hostile contexts
/// and base images; errors; a build killed mid-step; `commit --change`.
final class BuildTests: ContainerTestCase {
    override class var rootLabel: String { "build" }

    static let multiStage = """
    # A two-stage build: the first makes a file with RUN, the second copies it.
    ARG BASE=busybox
    FROM $BASE AS maker
    ARG GREETING=hello
    RUN echo "$GREETING from the maker" > /made && \\
        mkdir -p /out && cp /made /out/
    COPY src /src/

    FROM busybox
    ENV APP_HOME=/app MODE="two words"
    WORKDIR $APP_HOME
    COPY --from=maker /out/made ./made
    COPY --chown=1000:1000 src/ ./src/
    ADD files.tar /unpacked/
    RUN ls /app/src | tr '\\n' ' ' > /app/listing
    USER 1000
    EXPOSE 8080
    LABEL stage=final
    STOPSIGNAL SIGINT
    ENTRYPOINT ["/bin/sh", "-c"]
    CMD ["cat /app/made /app/listing; echo; stat -c '%u:%g' /app/src/a.txt; cat /unpacked/t/inner; echo $MODE; pwd; id -u"]
    """

    private func multiStageContext() throws -> String {
        let dir = try context(["Dockerfile": Self.multiStage, "src/a.txt": "a\n", "src/b.txt": "b\n", "src/debug.log": "secret\n",
                               ".dockerignore": "**/*.log\n", "t/inner": "from the tar\n"])
        let tar = Subprocess.run("/bin/tar", ["-C", dir, "-cf", dir + "/files.tar", "t"])
        XCTAssertEqual(tar.status, 0, tar.stderr)
        return dir
    }

    func testMultiStageBuildRunsWithItsConfigAndHistory() throws {
        let dir = try multiStageContext()
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "built/app:1"]) }
        let r = build(["-t", "built/app:1", "--build-arg", "GREETING=hi", "--label", "by=test", dir])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("STEP 1/17: FROM $BASE AS maker"), r.stdout)
        XCTAssertTrue(r.stdout.contains("STEP 3/17: RUN echo"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Successfully tagged built/app:1"), r.stdout)
        XCTAssertEqual(cli.run(["ps", "-a", "-q"]).stdout, "", "no build container is left")
        XCTAssertEqual(leftovers(), [])

        let run = cli.run(["run", "--rm", "--network", "none", "built/app:1"])
        XCTAssertEqual(run.stdout, "hi from the maker\na.txt b.txt \n1000:1000\nfrom the tar\ntwo words\n/app\n1000\n", run.stderr)
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "--entrypoint", "", "built/app:1", "ls", "/app/src"]).stdout,
                       "a.txt\nb.txt\n", ".dockerignore kept debug.log out")

        let inspect = try XCTUnwrap((try cli.json(["image", "inspect", "built/app:1"]) as? [[String: Any]])?.first)
        let config = try XCTUnwrap(inspect["config"] as? [String: Any])
        XCTAssertEqual(config["workingDir"] as? String, "/app")
        XCTAssertEqual(config["user"] as? String, "1000")
        XCTAssertEqual(config["entrypoint"] as? [String], ["/bin/sh", "-c"])
        XCTAssertEqual((config["cmd"] as? [String])?.count, 1)
        XCTAssertEqual(config["exposedPorts"] as? [String], ["8080/tcp"])
        XCTAssertEqual(config["labels"] as? [String: String], ["stage": "final", "by": "test"])
        XCTAssertEqual(config["stopSignal"] as? String, "SIGINT")
        XCTAssertTrue((config["env"] as? [String] ?? []).contains("MODE=two words"), "\(config)")

        let history = cli.run(["history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Size}}", "built/app:1"]).stdout
            .split(separator: "\n").map(String.init)
        XCTAssertTrue(history.first?.hasPrefix("CMD [") == true, "\(history)")
        XCTAssertTrue(history.contains { $0.hasPrefix("RUN /bin/sh -c ls /app/src") && !$0.hasSuffix("|0B") }, "\(history)")
        XCTAssertTrue(history.contains { $0.hasPrefix("WORKDIR") && $0.hasSuffix("|0B") }, "metadata steps are empty layers: \(history)")
        XCTAssertTrue(history.contains { $0.hasPrefix("COPY --chown=1000:1000 src /app/src/") }, "\(history)")
    }

    func testRebuildHitsTheCacheNoCacheBypassesItAndAChangedFileMisses() throws {
        let dir = try multiStageContext()
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "cached:1", "cached:2"]) }
        let first = build(["-t", "cached:1", dir])
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        let id = first.stdout.split(separator: "\n").last.map(String.init)
        let again = build(["-t", "cached:1", dir])
        XCTAssertEqual(again.status, 0, again.stderr)
        // Every step that makes a layer (3 RUN, 4 COPY/ADD of the final stage and the maker) is a hit.
        XCTAssertEqual(again.stdout.components(separatedBy: "--> CACHED").count - 1, 6, again.stdout)
        XCTAssertEqual(again.stdout.split(separator: "\n").last.map(String.init), id, "an unchanged rebuild is the same image")
        let quiet = build(["-q", "-t", "cached:2", dir])
        XCTAssertEqual(quiet.stdout, "sha256:" + (id ?? "?") + "\n", "-q prints the id only")

        let fresh = build(["--no-cache", "-t", "cached:1", dir])
        XCTAssertEqual(fresh.status, 0, fresh.stderr)
        XCTAssertFalse(fresh.stdout.contains("CACHED"), fresh.stdout)

        try "changed\n".write(toFile: dir + "/src/b.txt", atomically: false, encoding: .utf8)
        let changed = build(["-t", "cached:1", dir])
        XCTAssertEqual(changed.status, 0, changed.stderr)
        let lines = changed.stdout.split(separator: "\n").map(String.init)
        let runStep = try XCTUnwrap(lines.firstIndex { $0.contains(": RUN echo") })
        XCTAssertTrue(lines[runStep + 1].hasPrefix("--> CACHED"), "the maker's RUN is unchanged: \(lines)")
        let copyStep = try XCTUnwrap(lines.firstIndex { $0.contains(": COPY src /src/") })
        XCTAssertFalse(lines[copyStep + 1].hasPrefix("--> CACHED"), "a copied file changed: \(lines)")
        try "again\n".write(toFile: dir + "/src/debug.log", atomically: false, encoding: .utf8)
        let ignored = build(["-t", "cached:1", dir])
        XCTAssertEqual(ignored.stdout.components(separatedBy: "--> CACHED").count - 1, 6, "an ignored file is not part of the key: \(ignored.stdout)")
        XCTAssertEqual(leftovers(), [])

        // Pruned layers take their cache entries with them at the next build.
        let cacheDir = Self.root.path + "/build-cache"
        XCTAssertFalse(((try? FileManager.default.contentsOfDirectory(atPath: cacheDir)) ?? []).isEmpty)
        cli.run(["rmi", "-f", "cached:1", "cached:2"])
        XCTAssertEqual(cli.run(["image", "prune"]).status, 0)
        try "FROM busybox\nLABEL only=metadata\n".write(toFile: dir + "/Dockerfile", atomically: false, encoding: .utf8)
        XCTAssertEqual(build(["-t", "cached:1", dir]).status, 0)
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: cacheDir)) ?? [], [], "entries of pruned layers are swept")
    }

    func testTargetAndBuildArgsAndDockerfileFlag() throws {
        let dir = try context(["other.Dockerfile": """
            ARG TAG=unused
            FROM busybox AS first
            ARG WHO
            RUN echo "first ${WHO:-nobody}" > /which
            FROM first AS second
            RUN echo second > /which
            """])
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "target:1"]) }
        let r = build(["-t", "target:1", "-f", dir + "/other.Dockerfile", "--target", "first", "--build-arg", "WHO=me", dir])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("STEP 3/3"), "only the first stage is built: \(r.stdout)")
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "target:1", "cat", "/which"]).stdout, "first me\n")
        let alias = cli.run(["image", "build", "--network", "none", "-q", "-t", "target:1", "-f", dir + "/other.Dockerfile",
                             "--target", "first", "--build-arg", "WHO=me", dir])
        XCTAssertEqual(alias.stdout, "sha256:" + (r.stdout.split(separator: "\n").last.map(String.init) ?? "?") + "\n",
                       "`image build` is `build`, and the rebuild is the same image")
        assertOneLine(build(["-t", "target:1", "-f", dir + "/other.Dockerfile", "--target", "nope", dir]), status: 125, saying: "target stage 'nope'")
    }

    func testHostileContextsAndBaseImagesStayContained() throws {
        // A base image whose /target is a link to an absolute path that exists on the host.
        let canary = "/var/tmp/berth-build-canary-\(getpid())"
        try FileManager.default.createDirectory(atPath: canary, withIntermediateDirectories: true)
        try "original\n".write(toFile: canary + "/canary", atomically: false, encoding: .utf8)
        addTeardownBlock { [cli] in
            try? FileManager.default.removeItem(atPath: canary)
            cli.run(["rm", "-f", "mk-hostile"]); cli.run(["rmi", "-f", "hostile-base:1", "hostile:1"])
        }
        XCTAssertEqual(cli.run(["run", "--name", "mk-hostile", "--network", "none", "busybox", "ln", "-s", canary, "/target"]).status, 0)
        XCTAssertEqual(cli.run(["commit", "mk-hostile", "hostile-base:1"]).status, 0)

        let dir = try context(["Dockerfile": """
            FROM hostile-base:1
            COPY payload /target/
            COPY payload /target/canary
            COPY pw /pw
            """, "payload": "pwned\n"])
        XCTAssertEqual(symlink("/etc/passwd", dir + "/pw"), 0)
        XCTAssertEqual(symlink("/etc", dir + "/etclink"), 0)
        let r = build(["-t", "hostile:1", dir])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(try String(contentsOfFile: canary + "/canary", encoding: .utf8), "original\n", "the host's file is unchanged")
        XCTAssertFalse(FileManager.default.fileExists(atPath: canary + "/payload"), "nothing was written on the host")
        let inside = cli.run(["run", "--rm", "--network", "none", "hostile:1", "sh", "-c", "cat \(canary)/payload \(canary)/canary; readlink /pw"])
        XCTAssertEqual(inside.stdout, "pwned\npwned\n/etc/passwd\n", "written inside the image; the context's link copied as a link: \(inside.stderr)")

        for (dockerfile, fragment) in [("COPY ../x /x", "outside the build context"),
                                       ("COPY etclink/passwd /x", "no such file or directory in the build context"),
                                       ("COPY /../../etc/passwd /x", "outside the build context")] {
            try "FROM busybox\n\(dockerfile)\n".write(toFile: dir + "/Dockerfile", atomically: false, encoding: .utf8)
            let refused = build(["-t", "hostile:2", dir])
            XCTAssertEqual(refused.status, 125, refused.stderr)
            XCTAssertTrue(refused.stderr.hasPrefix("berth: Dockerfile:2: ") && refused.stderr.contains(fragment), refused.stderr)
        }
        XCTAssertEqual(cli.run(["images", "-q", "hostile:2"]).stdout, "")
        assertOneLine(build(["-t", "Bad:Name", dir]), status: 125, saying: "invalid image name")
        XCTAssertEqual(leftovers(), [])
    }

    func testErrorsAreOneLineAndAFailingRunLeavesNothing() throws {
        let dir = try context(["Dockerfile": "FROM busybox\nFO\u{1b}[31mRM x\n"])
        let syntax = build(["-t", "broken:1", dir])
        assertOneLine(syntax, status: 125, saying: "Dockerfile:2: unknown instruction")
        XCTAssertFalse(syntax.stderr.contains("\u{1b}"), "control characters escaped: \(syntax.stderr)")

        try "FROM no-such-base:7\n".write(toFile: dir + "/Dockerfile", atomically: false, encoding: .utf8)
        assertOneLine(build(["--pull", "never", "-t", "broken:1", dir]), status: 125, saying: "'no-such-base:7'")
        // Pulled by default: the failed pull is the one line (no registry is reachable here).
        assertOneLine(build(["-t", "broken:1", dir]), status: 125, saying: "no such image: no-such-base:7 (pulling it failed")

        try "FROM busybox\nRUN echo partial > /p; exit 3\n".write(toFile: dir + "/Dockerfile", atomically: false, encoding: .utf8)
        let failed = build(["-t", "broken:1", dir])
        assertOneLine(failed, status: 1, saying: "The command '/bin/sh -c echo partial > /p; exit 3' returned a non-zero code: 3")
        XCTAssertEqual(cli.run(["ps", "-a", "-q"]).stdout, "", "the failed step's container is removed")
        XCTAssertEqual(cli.run(["images", "-q", "broken:1"]).stdout, "")
        XCTAssertEqual(leftovers(), [])
    }

    func testABuildKilledMidStepIsCleanedUpByTheNextCommand() throws {
        let dir = try context(["Dockerfile": "FROM busybox\nRUN sleep 60\n"])
        let builder = try startBuildUntilItsStepRuns(["-t", "killed:1", dir])
        kill(builder.processIdentifier, SIGKILL)
        builder.waitUntilExit()
        XCTAssertEqual(((try? FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/builds")) ?? []).count, 1,
                       "the killed build left its marker")
        XCTAssertEqual(cli.run(["ps", "-a", "-q"]).stdout, "", "the next command removed its container")
        XCTAssertEqual(leftovers(), [])
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/builds")) ?? [], [])

        try "FROM busybox\nLABEL x=y\n".write(toFile: dir + "/Dockerfile", atomically: false, encoding: .utf8)
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "next:1"]) }
        let next = build(["-t", "next:1", dir])
        XCTAssertEqual(next.status, 0, next.stderr)
        XCTAssertEqual(cli.run(["images", "-q", "killed:1"]).stdout, "")
    }

    func testCommitChangeAppliesDockerfileInstructions() throws {
        XCTAssertEqual(cli.run(["run", "--name", "to-change", "--network", "none", "busybox", "sh", "-c", "echo x > /x"]).status, 0)
        addTeardownBlock { [cli] in cli.run(["rm", "-f", "to-change"]); cli.run(["rmi", "-f", "changed:1"]) }
        let r = cli.run(["commit", "--change", "ENV GREETING=\"hi there\"", "--change", "WORKDIR /tmp",
                         "--change", "CMD [\"sh\", \"-c\", \"echo $GREETING; pwd; cat /x\"]", "-c", "EXPOSE 80", "to-change", "changed:1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "changed:1"]).stdout, "hi there\n/tmp\nx\n")
        let config = (try cli.json(["image", "inspect", "changed:1"]) as? [[String: Any]])?.first?["config"] as? [String: Any]
        XCTAssertEqual(config?["exposedPorts"] as? [String], ["80/tcp"])
        assertOneLine(cli.run(["commit", "--change", "RUN rm -rf /", "to-change", "changed:2"]), status: 125, saying: "only CMD")
        XCTAssertEqual(cli.run(["images", "-q", "changed:2"]).stdout, "")
    }

    /// A real userland as the base: a multi-stage build on the cached Debian minbase rootfs
    /// (DebianRootfs, shared with DebianComposeTests), with a RUN that deletes a directory of the
    /// base (a whiteout in the step's layer) and a non-root USER from the image's /etc/passwd.
    func testMultiStageBuildOnDebian() throws {
        let tarball = try DebianRootfs.make(self)
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "debian-built:1", "debian-base:build"]) }
        let imported = cli.run(["image", "import", tarball, "--name", "debian-base:build"], timeout: 600)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let dir = try context(["Dockerfile": """
            FROM debian-base:build AS compile
            COPY gen.py /src/gen.py
            RUN python3 /src/gen.py > /report.txt
            FROM debian-base:build
            RUN rm -rf /usr/share/doc && useradd --uid 4242 --create-home builder
            COPY --from=compile --chown=builder /report.txt /home/builder/
            USER builder
            WORKDIR /home/builder
            CMD ["python3", "-c", "import os; print(open('report.txt').read().strip(), os.getuid(), os.path.exists('/usr/share/doc'))"]
            """, "gen.py": "import sys; print('made by python', sys.version_info[0])\n"])
        let r = build(["-t", "debian-built:1", dir], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "debian-built:1"]).stdout, "made by python 3 4242 False\n")
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "debian-built:1", "stat", "-c", "%U", "report.txt"]).stdout, "builder\n")
    }

    /// compose's `build:`: `up` builds the missing image (PROJECT-SERVICE), then runs it; a second
    /// `up` reuses it.
    func testComposeUpBuildsAServiceImage() throws {
        let dir = try context(["app/Dockerfile": """
            FROM busybox
            ARG WHO=nobody
            RUN echo "built for $WHO" > /msg
            CMD ["sh", "-c", "cat /msg; sleep 60"]
            """, "compose.yaml": """
            services:
              web:
                network_mode: none
                build:
                  context: ./app
                  args: {WHO: compose}
                  network: none
            """])
        addTeardownBlock { [cli] in cli.run(["down", "-p", "bp", "-t", "1"], timeout: 60); cli.run(["rmi", "-f", "bp-web"]) }
        let up = cli.run(["up", "-d", "-p", "bp", "-f", dir + "/compose.yaml"], timeout: 180)
        XCTAssertEqual(up.status, 0, up.stdout + up.stderr)
        XCTAssertTrue(up.stdout.contains("building bp-web:latest for web"), up.stdout)
        XCTAssertFalse(cli.run(["images", "-q", "bp-web"]).stdout.isEmpty)
        XCTAssertTrue(cli.eventually(timeout: 10) { cli.run(["logs", "web-1"]).stdout == "built for compose\n" },
                      cli.run(["logs", "web-1"]).both)
        let again = cli.run(["up", "-d", "-p", "bp", "-f", dir + "/compose.yaml"], timeout: 60)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertFalse(again.stdout.contains("building"), "the image exists: \(again.stdout)")
    }
}
