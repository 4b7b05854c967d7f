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
            """
        let dir = try context(["Dockerfile": dockerfile])
        addTeardownBlock { [cli] in cli.run(["rmi", "-f", "heredoc:1", "heredoc:2"]) }
        let r = build(["-t", "heredoc:1", dir])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(run("heredoc:1", "cat /made /quoted /unquoted /tabs /etc/app/conf.txt /files/a.txt /files/b.txt"),
                       "made by builder\n$WHO\nbuilder\ntabs stripped\nname=builder \"kept\"\nA builder\nB $WHO\n")
        XCTAssertEqual(run("heredoc:1", "stat -c '%a %u:%g' /etc/app/conf.txt /files/a.txt /files/b.txt"),
                       "644 0:0\n644 1000:1000\n644 1000:1000\n")
        let paths = try savedImage("heredoc:1").paths
        XCTAssertTrue(paths.contains("etc/app/conf.txt"), "\(paths)")

        // The body is part of the cache key: the same Dockerfile hits, a changed body misses.
        let again = build(["-t", "heredoc:1", dir])
        XCTAssertEqual(again.stdout.components(separatedBy: "--> CACHED").count - 1, 5, again.stdout)
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
}
