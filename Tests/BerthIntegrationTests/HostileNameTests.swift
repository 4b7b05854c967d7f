import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Hostile names, arguments and archive entries through the real `berth` binary: a name never
/// becomes a path outside the state root, untrusted text never forges a line or reaches the
/// terminal raw, bad input is one `berth:` line and exit 125, and the store is closed to
/// unprivileged host users.
final class HostileNameTests: ContainerTestCase {
    override class var rootLabel: String { "hostile" }

    /// A scratch directory beside the test root, where `../../<it>/X` lands from `services/`.
    func makeCanaryDirectory() throws -> (path: String, name: String) {
        let name = "berth-hostile-canary-\(getpid())"
        let path = "/var/tmp/" + name
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        try "canary\n".write(toFile: path + "/X.json", atomically: false, encoding: .utf8)
        try "canary\n".write(toFile: path + "/x", atomically: false, encoding: .utf8)
        return (path, name)
    }

    func assertOneLine(_ r: BerthCLI.Result, status: Int32 = 125, containing text: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "one line expected: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("berth: "), r.stderr, file: file, line: line)
        XCTAssertFalse(r.stderr.utf8.contains(0x1B), "a raw ESC reached stderr: \(r.stderr)", file: file, line: line)
        if let text { XCTAssertTrue(r.stderr.contains(text), "\(r.stderr) does not contain \(text)", file: file, line: line) }
    }

    func containerIDs() -> [String] {
        cli.run(["ps", "-a", "-q"]).stdout.split(separator: "\n").map(String.init)
    }

    // MARK: - 14: argument errors

    func testArgumentErrorsAreOneLineAndExit125() throws {
        let pids = cli.run(["run", "--pids-limit", "abc", "busybox", "true"])
        assertOneLine(pids, containing: "--pids-limit")
        XCTAssertTrue(pids.stderr.hasSuffix("See 'berth run --help'.\n"), pids.stderr)
        assertOneLine(cli.run(["run", "--nosuchflag", "busybox", "true"]), containing: "--nosuchflag")
        assertOneLine(cli.run(["run"]), containing: "<image>")
        assertOneLine(cli.run(["service", "create", "--replicas", "x", "web", "busybox"]), containing: "See 'berth service create --help'.")
        let verb = cli.run(["imagess"])
        assertOneLine(verb)
        XCTAssertEqual(verb.stderr, "berth: 'imagess' is not a berth command; did you mean 'images'? See 'berth --help'.\n")
        // A newline in a bad value cannot forge a second line.
        assertOneLine(cli.run(["run", "--pids-limit", "1\nberth: fake", "busybox", "true"]), containing: "\\nberth: fake")
        XCTAssertEqual(containerIDs(), [])

        let help = cli.run(["--help"])
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertTrue(help.stdout.contains("USAGE: berth"), help.stdout)
        let runHelp = cli.run(["run", "--help"])
        XCTAssertEqual(runHelp.status, 0, runHelp.stderr)
        XCTAssertTrue(runHelp.stdout.contains("--pids-limit"), runHelp.stdout)
        XCTAssertEqual(cli.run(["help", "scale"]).status, 0)
    }

    // MARK: - 5: names that would leave the root

    func testTraversingNamesAreRefusedBeforeAnyFileIsOpened() throws {
        let canary = try makeCanaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: canary.path) }
        let project = try makeComposeFile()
        defer { try? FileManager.default.removeItem(atPath: (project as NSString).deletingLastPathComponent) }
        let far = "../../\(canary.name)/X"
        let attempts: [[String]] = [
            ["service", "rm", far], ["service", "rm", "../../X"], ["scale", "\(far)=0"], ["scale", "../../X=0"],
            ["service", "create", "--replicas", "0", far, "busybox"],
            ["rm", "../x"], ["rm", "-f", far], ["stop", "../x"], ["start", far], ["kill", "../x"],
            ["run", "--name", "../x", "busybox", "true"], ["run", "-d", "--name", far, "busybox", "true"],
            ["create", "--name", "a/b", "busybox", "true"],
            ["up", "-d", "-p", "../x", "-f", project], ["up", "-d", "-p", far, "-f", project], ["down", "-p", "../x"],
            ["network", "rm", "../x"], ["network", "inspect", far],
        ]
        for args in attempts {
            let r = cli.run(args)
            assertOneLine(r, containing: "invalid")
            XCTAssertTrue(r.stderr.contains("name"), "\(args): \(r.stderr)")
        }
        XCTAssertEqual(try String(contentsOfFile: canary.path + "/X.json", encoding: .utf8), "canary\n")
        XCTAssertEqual(try String(contentsOfFile: canary.path + "/x", encoding: .utf8), "canary\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: canary.path).sorted(), ["X.json", "x"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/var/tmp/X.lock"))
        XCTAssertEqual(containerIDs(), [])
        XCTAssertEqual(cli.run(["service", "ls", "-q"]).stdout, "")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/names")) ?? []
        XCTAssertEqual(names.filter { !$0.hasPrefix(".") }, [])
        let services = (try? FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/services")) ?? []
        // Other tests of this root may hold a service of their own; none of the refused names left a file.
        XCTAssertEqual(services.filter { $0.contains("X") || $0.contains("..") }, [], "no lock or state file for a refused name")
    }

    func makeComposeFile() throws -> String {
        let dir = "/var/tmp/berth-hostile-compose-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        try "services:\n  web:\n    image: busybox\n    command: sleep 600\n".write(toFile: dir + "/compose.yaml", atomically: false, encoding: .utf8)
        return dir + "/compose.yaml"
    }

    // MARK: - 6: untrusted text in messages

    func testANewlineInANameCannotForgeASecondLine() throws {
        let r = cli.run(["run", "--name", "a\nberth: fake", "busybox", "true"])
        assertOneLine(r, containing: "'a\\nberth: fake'")
        XCTAssertFalse(r.stderr.contains("\nberth: fake"), r.stderr)
        let esc = cli.run(["run", "--name", "a\u{1B}[31mred", "busybox", "true"])
        assertOneLine(esc, containing: "\\x1b[31mred")
        let bidi = cli.run(["rm", "x\u{202E}gpj.exe"])
        assertOneLine(bidi, containing: "\\u{202e}")
        XCTAssertEqual(containerIDs(), [])
    }

    func testAnArchiveEntryWithEscapesIsRefusedWithoutRawControlBytes() throws {
        let dir = "/var/tmp/berth-hostile-tar-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var tar = HostileTar()
        tar.add("bin/", directory: true)
        tar.add("bin/ok", content: "fine\n")
        tar.add("x\u{1B}[31m\nberth: fake/../../../escaped", content: "pwned\n")
        let path = dir + "/hostile.tar"
        try Data(tar.archive).write(to: URL(fileURLWithPath: path))
        let before = cli.run(["image", "ls", "-q"]).stdout
        let r = cli.run(["image", "import", "--quiet", "--name", "hostile:1", path])
        assertOneLine(r)
        XCTAssertTrue(r.stderr.contains("\\x1b[31m"), r.stderr)
        XCTAssertTrue(r.stderr.contains("\\nberth: fake"), r.stderr)
        XCTAssertEqual(cli.run(["image", "ls", "-q"]).stdout, before, "the refused image was stored")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/var/tmp/escaped"))
    }

    // MARK: - 13: replica limits

    func testScaleBeyondTheLimitsIsRefusedUpFront() throws {
        XCTAssertEqual(cli.run(["service", "create", "--replicas", "0", "limited", "busybox", "sleep", "600"]).status, 0)
        defer { cli.run(["service", "rm", "limited"]) }
        func desired() throws -> Int? {
            ((try cli.json(["service", "inspect", "limited"]) as? [[String: Any]])?.first?["desired"]) as? Int
        }
        let huge = cli.run(["scale", "limited=10000"])
        assertOneLine(huge, containing: "the limit is 1000 per service")
        XCTAssertEqual(try desired(), 0)
        // Under the maximum but more than the /24 of the test root's bridge has addresses for.
        let wide = cli.run(["scale", "limited=600"])
        assertOneLine(wide, containing: "free")
        XCTAssertTrue(wide.stderr.contains("600 new replicas need addresses"), wide.stderr)
        XCTAssertEqual(try desired(), 0)
        XCTAssertEqual(containerIDs(), [])

        let file = try makeComposeFile()
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        try "services:\n  many:\n    image: busybox\n    command: sleep 600\n    deploy:\n      replicas: 10000\n"
            .write(toFile: file, atomically: false, encoding: .utf8)
        assertOneLine(cli.run(["up", "-d", "-f", file]), containing: "the limit is 1000 per service")
        XCTAssertEqual(cli.run(["service", "ls", "-q"]).stdout, "limited\n")
        XCTAssertEqual(containerIDs(), [])
    }

    // MARK: - 3: the store is closed to other users

    func testTheStoreIsPrivateAndUnreachableForOtherUsers() throws {
        let r = cli.run(["run", "-d", "--name", "private", "busybox", "sleep", "600"])
        XCTAssertEqual(r.status, 0, r.stderr)
        defer { cli.run(["rm", "-f", "private"]) }
        let id = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(id.count, 64, r.stdout)
        let root = Self.root.path
        let layer = try XCTUnwrap((try FileManager.default.contentsOfDirectory(atPath: root + "/layers")).first { !$0.hasPrefix(".") })
        for path in [root, root + "/layers", root + "/containers", root + "/containers/" + id, root + "/names", root + "/networks"] {
            var st = stat()
            XCTAssertEqual(lstat(path, &st), 0, path)
            XCTAssertEqual(st.st_mode & 0o077, 0, "\(path) is \(String(st.st_mode & 0o7777, radix: 8))")
        }
        // The set-uid-capable contents are out of reach for an unprivileged user, by id or not.
        for path in [root + "/layers/" + layer + "/bin/busybox", root + "/layers/" + layer,
                     root + "/containers/" + id + "/upper", root + "/containers/" + id + "/rootfs/bin/busybox"] {
            let denied = Subprocess.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "stat", path])
            XCTAssertNotEqual(denied.status, 0, "nobody can stat \(path)")
            XCTAssertTrue(denied.stderr.contains("Permission denied"), denied.stderr)
        }
        // The container itself still works as a non-root user: its "/" keeps its mode.
        let asNobody = cli.run(["exec", "-u", "65534", "private", "ls", "/bin/busybox"])
        XCTAssertEqual(asNobody.status, 0, asNobody.stderr)
    }

    func testATooOpenRootIsRepairedAtStartAndReportedOnce() throws {
        let path = "/var/tmp/berth-hostile-open-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for dir in [path, path + "/containers", path + "/layers"] {
            XCTAssertEqual(mkdir(dir, 0o755), 0, dir)
            XCTAssertEqual(chmod(dir, 0o755), 0, dir)
        }
        let open = BerthCLI(root: path, cgroupParent: cli.cgroupParent)
        let first = open.run(["ps"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stderr, """
            berth: repaired permissions of \(path) (was 0755)
            berth: repaired permissions of \(path)/containers (was 0755)
            berth: repaired permissions of \(path)/layers (was 0755)

            """)
        for dir in [path, path + "/containers", path + "/layers"] {
            var st = stat()
            XCTAssertEqual(stat(dir, &st), 0)
            XCTAssertEqual(st.st_mode & 0o7777, 0o700, dir)
        }
        let second = open.run(["ps"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(second.stderr, "", "said once")
    }
}

/// A ustar archive written byte by byte, for entry names no well-behaved tool writes.
private struct HostileTar {
    private var bytes: [UInt8] = []

    mutating func add(_ name: String, content: String = "", directory: Bool = false) {
        let data = Array(content.utf8)
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: [UInt8], _ at: Int) { for (i, b) in s.enumerated() { h[at + i] = b } }
        func octal(_ v: Int, _ at: Int, _ width: Int) {
            let digits = String(v, radix: 8)
            put(Array((String(repeating: "0", count: width - 1 - digits.count) + digits).utf8), at)
        }
        put(Array(name.utf8.prefix(100)), 0)
        octal(directory ? 0o755 : 0o644, 100, 8)
        octal(0, 108, 8)
        octal(0, 116, 8)
        octal(directory ? 0 : data.count, 124, 12)
        octal(1_700_000_000, 136, 12)
        h[156] = directory ? 0x35 : 0x30
        put(Array("ustar\u{0}00".utf8), 257)
        for i in 148..<156 { h[i] = 0x20 }
        let sum = h.reduce(0) { $0 + Int($1) }
        put(Array(String(format: "%06o", sum).utf8) + [0, 0x20], 148)
        bytes += h
        if !directory {
            bytes += data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
        }
    }

    var archive: [UInt8] { bytes + [UInt8](repeating: 0, count: 1024) }
}
