import Foundation
import XCTest

/// libarchive and libcrypto (with libarchive's own eight libraries), libseccomp and libnftables are loaded
/// on first use (Sources/CLazyLoad), not by every command: loading them cost ≈ 7 M instructions per call.
/// libcurl is linked only into `berth-registry`, which `berth pull` execs: `berth` never loads it.
/// The dynamic loader's own trace (`LD_DEBUG=files`) says which libraries a process opened.
final class LazyLibrariesTests: ContainerTestCase {
    override class var rootLabel: String { "lazy" }

    /// The libraries of interest that a berth invocation loaded, from the loader's trace.
    private func loaded(_ args: [String], file: StaticString = #filePath, line: UInt = #line) -> Set<String> {
        let r = Subprocess.run("/usr/bin/env", ["LD_DEBUG=files", BerthCLI.binary, "--root", cli.root,
                                                "--cgroup-parent", cli.cgroupParent] + args)
        XCTAssertEqual(r.status, 0, "berth \(args.joined(separator: " ")): \(r.stderr.suffix(400))", file: file, line: line)
        var names = Set<String>()
        for l in r.stderr.split(separator: "\n") {
            guard let f = l.range(of: "file=") else { continue }
            let name = l[f.upperBound...].prefix { $0 != " " && $0 != ";" }
            if name.hasPrefix("libarchive") || name.hasPrefix("libcrypto") || name.hasPrefix("libxml2") || name.hasPrefix("libseccomp") || name.hasPrefix("libnftables")
                || name.hasPrefix("libcurl") {
                names.insert(String(name))
            }
        }
        return names
    }

    func testCommandsThatReadNoArchiveLoadNeitherLibrary() {
        XCTAssertEqual(loaded(["--version"]), [])
        XCTAssertEqual(loaded(["ps", "-a"]), [])
        // A container's seccomp filter is compiled by libseccomp; without one it is not loaded.
        XCTAssertEqual(loaded(["run", "--rm", "--network", "none", "busybox", "true"]), ["libseccomp.so.2"])
        XCTAssertEqual(loaded(["run", "--rm", "--network", "none", "--security-opt", "seccomp=unconfined", "busybox", "true"]), [])
        XCTAssertEqual(loaded(["images"]), [])
        XCTAssertEqual(loaded(["system", "df"]), [])
        // libnftables neither: a container on the bridge with outbound access off (as every test
        // root) never opens it (libseccomp, for its filter, it does).
        XCTAssertEqual(loaded(["run", "--rm", "busybox", "true"]), ["libseccomp.so.2"])
    }

    func testAnImageRoundTripLoadsBothOnFirstUseAndWorks() throws {
        let archive = Self.root.path + "/lazy-export.tar"
        defer { try? FileManager.default.removeItem(atPath: archive) }
        // libxml2 comes with libarchive (its own dependency).
        XCTAssertEqual(loaded(["image", "export", "busybox", archive]), ["libarchive.so.13", "libcrypto.so.3", "libxml2.so.2"])
        XCTAssertEqual(loaded(["image", "import", "--name", "lazy-copy", archive]), ["libarchive.so.13", "libcrypto.so.3", "libxml2.so.2"])
        let run = cli.run(["run", "--rm", "--network", "none", "lazy-copy", "echo", "from the copy"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "from the copy\n")
        cli.run(["image", "rm", "lazy-copy"])
    }
}
